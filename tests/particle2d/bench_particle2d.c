/* Benchmark (numbers, never pass/fail on time): the 2D particle of tests/cases/
 * single_particle_ch.yaml with a = 0.5, charged at C/2 to 4.0 V, under several PETSc TS choices
 * (BDF of order 1-3, tolerances, the fill-reducing ordering of PETSc's LU, or KLU; "lag2": AMD
 * with the Jacobian refreshed every second Newton iteration); for each:
 * steps, rejected steps, Newton iterations, Jacobian evaluations, user CPU time (getrusage) per run
 * and per step, and the largest potential difference against a reference run (BDF2, rtol 1e-7) over
 * the times 60 s apart. Usage: bench_particle2d [NR NTHETA]  (default 30 16). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "p2d_case.h"
#include "upscale/particle2d.h"
#include "upscale/run.h"

/* After the upscale headers: PETSc brings <complex.h>, whose macro I they use as a name. */
#include <petscsys.h>

#define CASE "tests/cases/single_particle_ch.yaml"
#define DT 60.0
#define NT_MAX 200

static double user_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + 1e-6 * ru.ru_utime.tv_usec;
}

/* The charge; v[n] the potential at (n + 1) DT; returns the number of times reached. */
static int charge(int nr, int nt, const char *ts_type, const char *order, const char *lu_order,
                  double rtol, double *v, upscale_particle2d_stats *st, double *cpu, int *unknowns)
{
    PetscOptionsSetValue(NULL, "-particle2d_ts_type", ts_type);
    PetscOptionsSetValue(NULL, "-particle2d_ts_bdf_order", order);
    PetscOptionsClearValue(NULL, "-particle2d_snes_lag_jacobian");
    PetscOptionsClearValue(NULL, "-particle2d_pc_factor_mat_solver_type");
    if (!strcmp(lu_order, "lag2")) {
        PetscOptionsSetValue(NULL, "-particle2d_snes_lag_jacobian", "2");
        PetscOptionsSetValue(NULL, "-particle2d_pc_factor_mat_ordering_type", "amd");
    } else if (!strcmp(lu_order, "klu")) {
        PetscOptionsSetValue(NULL, "-particle2d_pc_factor_mat_solver_type", "klu");
    } else {
        PetscOptionsSetValue(NULL, "-particle2d_pc_factor_mat_ordering_type", lu_order);
    }
    upscale_particle2d_options o = {.ntheta = nt, .anisotropy = 0.5, .rtol = rtol};
    p2d_case pc;
    if (p2d_open(&pc, CASE, nr, NULL, 0, &o)) {
        fprintf(stderr, "setup: %s\n", upscale_error_message());
        p2d_close(&pc);
        return 0;
    }
    upscale_particle2d *p = pc.p;
    const upscale_electrode *el = &pc.m->cell.el[UPSCALE_POS];
    double t0 = user_cpu();
    int n = 0;
    upscale_particle2d_hold_flux(p, 0.5 * el->c0 * el->radius / (3.0 * 3600.0));
    upscale_particle2d_set_limits(p, 0.0, 4.0);
    for (; n < NT_MAX; n++) {
        if (upscale_particle2d_advance(p, (n + 1) * DT)) {
            fprintf(stderr, "%s %s %s: %s (potential %.4f V)\n", ts_type, order, lu_order,
                    upscale_error_message(), upscale_particle2d_potential(p));
            break;
        }
        v[n] = upscale_particle2d_potential(p);
        if (upscale_particle2d_at_limit(p)) {
            n++;
            break;
        }
    }
    *cpu = user_cpu() - t0;
    *st = upscale_particle2d_statistics(p);
    *unknowns = upscale_particle2d_size(p);
    p2d_close(&pc);
    return n;
}

int main(int argc, char **argv)
{
    int nr = argc > 2 ? atoi(argv[1]) : 30, nt = argc > 2 ? atoi(argv[2]) : 16;
    int quick = argc > 3; /* only the default integrator against the reference */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (PetscInitializeNoArguments()) return 1;
    static double ref[NT_MAX], v[NT_MAX];
    upscale_particle2d_stats st;
    double cpu;
    int unknowns;
    int nref = charge(nr, nt, "bdf", "2", "amd", 1e-7, ref, &st, &cpu, &unknowns);
    printf("2D particle %d x %d (%d unknowns), a = 0.5, C/2 charge to 4.0 V: reference BDF2 "
           "rtol 1e-7: %ld steps, %.2f s user CPU\n",
           nr, nt, unknowns, st.steps, cpu);
    static const struct {
        const char *type, *order, *lu;
        double rtol;
    } var[] = {{"bdf", "1", "amd", 1e-5}, {"bdf", "2", "amd", 1e-5}, {"bdf", "3", "amd", 1e-5},
               {"bdf", "2", "amd", 1e-4}, {"bdf", "2", "amd", 1e-6}, {"bdf", "2", "nd", 1e-5},
               {"bdf", "2", "qmd", 1e-5}, {"bdf", "2", "klu", 1e-5}, {"bdf", "3", "lag2", 1e-5}};
    printf("%-6s %-5s %-4s %-7s %6s %6s %7s %6s %9s %11s %12s\n", "method", "order", "lu", "rtol",
           "steps", "rejec", "newton", "jacs", "cpu_s", "ms_per_step", "max_dV_mV");
    for (size_t q = 0; q < sizeof(var) / sizeof(var[0]); q++) {
        if (quick && !(var[q].order[0] == '3' && !strcmp(var[q].lu, "amd"))) continue;
        int n = charge(nr, nt, var[q].type, var[q].order, var[q].lu, var[q].rtol, v, &st, &cpu,
                       &unknowns);
        double dv = 0.0;
        for (int i = 0; i < n && i < nref; i++)
            dv = fmax(dv, fabs(v[i] - ref[i]));
        printf("%-6s %-5s %-4s %-7.0e %6ld %6ld %7ld %6ld %9.3f %11.3f %12.3f%s\n", var[q].type,
               var[q].order, var[q].lu, var[q].rtol, st.steps, st.rejected, st.newton, st.jacobians,
               cpu, 1e3 * cpu / (st.steps ? st.steps : 1), 1e3 * dv,
               n == nref ? "" : "  (ended at another time than the reference)");
    }
    PetscFinalize();
    return 0;
}

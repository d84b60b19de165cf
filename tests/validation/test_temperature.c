/* Temperature dependence through activation energies: a run at 318.15 K with E_a on the
 * positive solid diffusivity and rate constant must reproduce, to solver tolerance, the run
 * with E_a = 0 and both properties multiplied by exp(E_a / R (1/T_ref - 1/T)) by hand
 * (docs/model.md eq. 12). */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "upscale/model.h"
#include "upscale/run.h"

static double run(const char *const *sets, int n, double *t_end)
{
    upscale_run_options opt = {.case_path = "cases/validation/newman_licoo2_graphite_1C.yaml",
                               .overrides = sets,
                               .noverrides = n};
    upscale_run_result res;
    upscale_err e = upscale_run(&opt, &res);
    CHECK(e == UPSCALE_OK && res.complete, "run completes (%s)",
          e ? upscale_error_message() : res.status);
    *t_end = res.final_time;
    return res.capacity;
}

int main(void)
{
    const double T = 318.15, Tref = 298.15, ea = 30e3;
    double f = exp(ea / UPSCALE_GAS * (1 / Tref - 1 / T));
    char ds[96], k[96];
    snprintf(ds, sizeof(ds), "positive.diffusivity=%.17g m^2/s", 1.0e-13 * f);
    snprintf(k, sizeof(k), "positive.rate_constant=%.17g m^2.5 mol^-0.5 s^-1", 3.0e-11 * f);
    const char *by_hand[] = {"cell.temperature=318.15 K", ds, k, "numerics.rtol=1e-7"};
    double t1, t2;
    const char *with_ea_t[] = {"cell.temperature=318.15 K",
                               "positive.diffusivity_activation_energy=30 kJ/mol",
                               "positive.rate_activation_energy=30 kJ/mol", "numerics.rtol=1e-7"};
    double q1 = run(with_ea_t, 4, &t1);
    double q2 = run(by_hand, 4, &t2);
    CHECK_CLOSE(q1, q2, 1e-9, 0, "capacity with E_a equals capacity with scaled properties");
    CHECK_CLOSE(t1, t2, 1e-9, 0, "time to cut-off with E_a equals that with scaled properties");
    const char *cold[] = {"numerics.rtol=1e-7"};
    double t0, q0 = run(cold, 1, &t0);
    CHECK(q1 > q0, "faster positive transport at 318 K gives more capacity (%.4f > %.4f Ah/m^2)",
          q1, q0);
    return CHECK_DONE();
}

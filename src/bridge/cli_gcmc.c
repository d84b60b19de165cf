/* Commands of the biased-GCMC bridge: `upscale import gcmc` (analysis of windows) and
 * `upscale gcmc-lattice` (windows of the 2D lattice gas).  Usage: import_gcmc.h. */
#include "upscale/import_gcmc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "upscale/gcmc.h"
#include "upscale/lattice.h"

static const char import_usage[] =
    "usage: upscale import gcmc MANIFEST.csv [--sites N] [--bootstrap 200] [--seed 1]\n"
    "                           [--temperature T] [--max-degree 40] [--criterion loo|bic]\n"
    "                           [--drop-drifting] [--strict] [--min-neff 20]\n"
    "                           [--min-samples 100] [--out PREFIX]\n"
    "                           [-o MATERIAL.yaml [--sites-per-fu S] [--site-density N_PER_M3]\n"
    "                            [--name NAME] [--rk-terms N] [--mu-table] [--energy-eV E]]\n"
    "\n"
    "  mu(N) of biased grand-canonical windows (eq. 17), its fit, G(N), binodals, spinodals\n"
    "  and the mixing energy per temperature (the manifest's format: docs/bridge.md).  Every\n"
    "  window is used, weighted by its own standard error; doubtful ones are warned about.\n"
    "  --sites N            lattice sites per supercell (default: the manifest's)\n"
    "  --bootstrap B        bootstrap replicas over windows (default 200; 0: none)\n"
    "  --seed S             seed of the bootstrap (default 1)\n"
    "  --temperature T      analyse only this temperature (K, or kT for eps)\n"
    "  --max-degree D       highest Legendre degree tried (default 40)\n"
    "  --criterion C        degree by leave-one-window-out CV (loo, default) or bic\n"
    "  --drop-drifting      leave windows whose halves differ by > 3 se out of the fit\n"
    "  --strict             refuse (exit 2) if any window has a warning, naming all of them\n"
    "  --min-neff E         warn below E effective samples (default 20)\n"
    "  --min-samples N      warn below N samples (default 100)\n"
    "  --out PREFIX         write PREFIX_windows.csv, PREFIX_fit.csv, PREFIX_gaps.csv\n"
    "                       (postproc/plot_gcmc.py PREFIX draws them)\n"
    "  -o MATERIAL.yaml     a material file the simulator reads: Redlich-Kister in T, or\n"
    "                       mu_table files at the measured temperatures when that fit is not\n"
    "                       possible (one temperature, eps units, gas or no ideal term)\n"
    "  --sites-per-fu S     sites per formula unit (default: from the manifest)\n"
    "  --site-density N     formula units per m^3 (default: formula_units / volume)\n"
    "  --name NAME          the file's material name (default: its base name)\n"
    "  --rk-terms N         Redlich-Kister terms (default: chosen by cross-validation)\n"
    "  --mu-table           write mu_table files even when a Redlich-Kister fit is possible\n"
    "  --energy-eV E        the manifest's energy unit in eV (needed for eps with -o)\n"
    "  --help, -h           this text\n";

static const char lattice_usage[] =
    "usage: upscale gcmc-lattice --out DIR [--L 64] [--T 0.8] [--seed 1] [--sweeps 2000]\n"
    "                            [--windows 217] [--phi 0.002] [--mu -2] [--nt-min A]\n"
    "                            [--nt-max B] [--sample-every 1]\n"
    "\n"
    "  Biased windows of the 2D lattice gas (exact phase diagram: Onsager, Yang) written as\n"
    "  DIR/manifest.csv and one file per window, to check `upscale import gcmc`.\n"
    "  --out DIR            output directory (required)\n"
    "  --L L                lattice side (L x L sites, default 64)\n"
    "  --T T                T/T_c of the lattice gas with pair energy -eps (eps = 1; 0.8)\n"
    "  --seed S             random seed (default 1)\n"
    "  --sweeps N           Monte Carlo sweeps per window (default 2000)\n"
    "  --windows W          number of windows (default 217)\n"
    "  --phi PHI            bias strength in eps (default 0.002)\n"
    "  --mu MU              mu_bias in eps (default -2)\n"
    "  --nt-min A, --nt-max B  bias centres N_t from A to B (default -250 L^2/4096 to\n"
    "                       L^2 + 250 L^2/4096)\n"
    "  --sample-every K     record N every K sweeps (default 1)\n"
    "  --help, -h           this text\n";

static int exit_status(upscale_err e)
{
    if (e == UPSCALE_OK) return 0;
    upscale_error_print(stderr, getenv("UPSCALE_TRACE") != NULL);
    return e == UPSCALE_ERR_INPUT ? 2 : 4;
}

static int parse_number(const char *opt, const char *s, double *x)
{
    char *end;
    errno = 0;
    *x = strtod(s, &end);
    if (*s && *end == '\0' && errno != ERANGE && isfinite(*x)) return 0;
    fprintf(stderr, "upscale: %s expects a number, got '%s'\n", opt, s);
    return 2;
}

static int parse_count(const char *opt, const char *s, long long lo, long long *v)
{
    char *end;
    errno = 0;
    *v = strtoll(s, &end, 10);
    if (*s && *end == '\0' && errno != ERANGE && *v >= lo) return 0;
    fprintf(stderr, "upscale: %s expects an integer >= %lld, got '%s'\n", opt, lo, s);
    return 2;
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* "<value> +/- <sd>" or "<value>" without a bootstrap. */
static void print_pm(FILE *o, double v, double sd, int boot)
{
    if (boot && isfinite(sd))
        fprintf(o, "%.6g +/- %.2g", v, sd);
    else
        fprintf(o, "%.6g", v);
}

static void print_N(FILE *o, const upscale_gcmc_manifest *m, double sites, const char *what,
                    double N, double sd, int at_end, int boot)
{
    fprintf(o, "    %-12s N = ", what);
    print_pm(o, N, sd, boot);
    if (at_end) fprintf(o, " (end of the sampled range: the binodal is at or beyond it)");
    if (sites > 0) fprintf(o, "; x_site = %.6g", N / sites);
    double x = upscale_gcmc_x_per_fu(m, N), c = upscale_gcmc_concentration(m, N);
    if (isfinite(x)) fprintf(o, "; x = %.6g per formula unit", x);
    if (isfinite(c)) fprintf(o, "; c = %.6g mol/m^3", c);
    fprintf(o, "\n");
}

static void print_temperature(const upscale_gcmc_result *r, const upscale_gcmc_temperature *T,
                              const upscale_gcmc_settings *s)
{
    const int nboot = s->bootstrap, min_degree = s->fit.min_degree;
    const upscale_gcmc_criterion crit = s->fit.criterion;
    const upscale_gcmc_manifest *m = r->manifest;
    const char *u = m->energy_unit;
    if (m->kB > 0)
        printf("\nT = %g K (kT = %.6g %s)", T->kT / m->kB, T->kT, u);
    else
        printf("\nkT = %.6g %s", T->kT, u);
    printf(": %d windows, %d in the fit\n", T->nwindows, T->nfit);
    printf("  %-24s %7s %6s %6s %7s %7s %11s %8s %8s %6s %12s %9s %s\n", "window", "samples", "cut",
           "cut z", "g", "n_eff", "<N>", "se", "se block", "drift", "mu (eq. 17)", "se",
           "warnings");
    int nwarn = 0;
    for (int i = 0; i < m->nwindows; i++) {
        if (!(fabs(m->w[i].kT - T->kT) <= 1e-9 * T->kT)) continue;
        const upscale_gcmc_window_stats *st = &r->stats[i];
        char flags[8] = "";
        int nf = 0;
        if (st->warn & UPSCALE_GCMC_WARN_FEW_SAMPLES) flags[nf++] = 'n';
        if (st->warn & UPSCALE_GCMC_WARN_LATE_CUT) flags[nf++] = 'c';
        if (st->warn & UPSCALE_GCMC_WARN_FEW_NEFF) flags[nf++] = 'e';
        if (st->warn & UPSCALE_GCMC_WARN_DRIFT) flags[nf++] = '!';
        if (st->warn & UPSCALE_GCMC_WARN_RUN_DROPPED) flags[nf++] = 'x';
        flags[nf] = '\0';
        nwarn += st->warn != 0;
        printf("  %-24.24s %7d %6d %6.2g %7.2f %7.1f %11.4f %8.3g %8.3g %6.2f %12.6g %9.2g %s\n",
               base_name(m->w[i].path), st->n, st->t0, st->head_z, st->g, st->neff, st->N, st->N_se,
               st->N_se_block, st->drift_z, st->mu, st->mu_se, flags);
    }
    if (nwarn)
        printf("  warnings (n: few samples, c: late equilibration cut, e: few effective samples, "
               "!: drift, x: LAMMPS runs ending in ERROR dropped; every window is in the fit, "
               "weighted by its se%s):\n",
               s->drop_drifting ? ", except drifting ones (--drop-drifting)" : "");
    for (int i = 0; i < m->nwindows; i++) {
        if (!(fabs(m->w[i].kT - T->kT) <= 1e-9 * T->kT) || !r->stats[i].warn) continue;
        char why[512];
        upscale_gcmc_window_describe(&s->window, &r->stats[i], why, sizeof(why));
        printf("    %s: %s\n", base_name(m->w[i].path), why);
        fprintf(stderr, "upscale: warning: %s (%s:%d): %s\n", m->w[i].path, m->path, m->w[i].line,
                why);
    }
    for (int i = 0; i < m->nwindows; i++) {
        int j = r->stats[i].hysteresis - 1;
        if (j < i || !(fabs(m->w[i].kT - T->kT) <= 1e-9 * T->kT)) continue;
        printf("  hysteresis: unbiased points at mu_bias = %g %s: <N> = %.6g (%s) and %.6g (%s), "
               "both in the fit\n",
               m->w[i].mu_bias, u, r->stats[i].N, base_name(m->w[i].path), r->stats[j].N,
               base_name(m->w[j].path));
    }
    upscale_gcmc_fit_info fi;
    upscale_gcmc_fit_get_info(T->fit, &fi);
    static const char *ideal[] = {"kT ln(x/(1-x))", "kT ln N", "no ideal term"};
    printf("  fit: %s + Legendre degree %d on N = %.6g..%.6g (%s over degrees %d..%d), "
           "chi2 = %.4g for %d windows (chi2/dof = %.3g)\n",
           ideal[m->ideal], fi.degree, fi.N_lo, fi.N_hi,
           crit == UPSCALE_GCMC_CRITERION_BIC ? "BIC" : "leave-one-window-out CV, one-se rule",
           min_degree, fi.max_tried, fi.chi2, fi.npoints, fi.chi2 / (fi.npoints - fi.degree - 1));
    if (T->ngaps == 0) {
        printf("  no miscibility gap: G(N) is convex over the sampled range\n");
        return;
    }
    for (int g = 0; g < T->ngaps; g++) {
        const upscale_gcmc_gap *p = &T->gaps[g];
        int boot = g == T->main_gap && nboot > 0;
        const upscale_gcmc_gap *sd = &T->se;
        printf("  miscibility gap %d of %d%s\n", g + 1, T->ngaps,
               g == T->main_gap ? " (main: widest)" : "");
        print_N(stdout, m, r->sites, "binodal 1", p->N1, sd->N1, p->N1_at_end, boot);
        print_N(stdout, m, r->sites, "binodal 2", p->N2, sd->N2, p->N2_at_end, boot);
        printf("    %-12s ", "mu_coex");
        print_pm(stdout, p->mu_coex, sd->mu_coex, boot);
        printf(" %s\n", u);
        print_N(stdout, m, r->sites, "spinodal 1", p->S1, sd->S1, 0, boot);
        print_N(stdout, m, r->sites, "spinodal 2", p->S2, sd->S2, 0, boot);
        printf("    %-12s ", "mixing max");
        print_pm(stdout, p->mix_max, sd->mix_max, boot);
        printf(" %s per supercell", u);
        if (m->formula_units > 0)
            printf(" = %.6g %s per formula unit", p->mix_max / m->formula_units, u);
        printf(", at N = ");
        print_pm(stdout, p->N_mix, sd->N_mix, boot);
        printf("\n");
    }
    if (nboot > 0)
        printf("  bootstrap over windows: %d replicas, %d used, %d without a matching gap or "
               "with a failed fit\n",
               nboot, T->boot_ok, T->boot_failed);
}

static upscale_err write_outputs(const upscale_gcmc_result *r, const char *prefix)
{
    const upscale_gcmc_manifest *m = r->manifest;
    char path[4096];
    snprintf(path, sizeof(path), "%s_windows.csv", prefix);
    FILE *f = fopen(path, "w");
    UPSCALE_CHECK(f, UPSCALE_ERR_IO, "%s: cannot write (%s)", path, strerror(errno));
    fprintf(f, "# upscale import gcmc %s; energies in %s\n", m->path, m->energy_unit);
    fprintf(f, "kT,window_file,N_target,phi,mu_bias,samples,discarded,g,N,N_se,drift_z,drifting,"
               "mu,mu_se,in_fit,neff,dof,N_se_block,cut_z,warnings\n");
    for (int k = 0; k < r->ntemps; k++) {
        const upscale_gcmc_temperature *T = &r->t[k];
        for (int i = 0; i < m->nwindows; i++) {
            if (!(fabs(m->w[i].kT - T->kT) <= 1e-9 * T->kT)) continue;
            const upscale_gcmc_window_stats *st = &r->stats[i];
            int used = 0;
            for (int j = 0; j < T->nfit; j++)
                used |= T->windows[j] == i;
            fprintf(f,
                    "%.10g,%s,%.10g,%.10g,%.10g,%d,%d,%.6g,%.10g,%.6g,%.4g,%d,%.10g,%.6g,%d,%.6g,"
                    "%.4g,%.6g,%.4g,%u\n",
                    T->kT, m->w[i].path, m->w[i].N_target, m->w[i].phi, m->w[i].mu_bias, st->n,
                    st->t0, st->g, st->N, st->N_se, st->drift_z, st->drifting, st->mu, st->mu_se,
                    used, st->neff, st->dof, st->N_se_block, st->head_z, st->warn);
        }
    }
    UPSCALE_CHECK(fclose(f) == 0, UPSCALE_ERR_IO, "%s: write failed", path);

    snprintf(path, sizeof(path), "%s_fit.csv", prefix);
    f = fopen(path, "w");
    UPSCALE_CHECK(f, UPSCALE_ERR_IO, "%s: cannot write (%s)", path, strerror(errno));
    fprintf(f,
            "# fit of mu(N), G(N) = integral of mu dN from the lowest sampled N (eq. 18), "
            "mixing energy = G - convex hull; energies in %s per supercell; mu_sd: bootstrap "
            "spread of mu\n",
            m->energy_unit);
    fprintf(f, "kT,N,x_site,x_fu,mu,dmu_dN,G,G_mix,mu_sd\n");
    for (int k = 0; k < r->ntemps; k++) {
        const upscale_gcmc_temperature *T = &r->t[k];
        upscale_gcmc_fit_info fi;
        upscale_gcmc_fit_get_info(T->fit, &fi);
        const int np = 1001;
        for (int j = 0; j < np; j++) {
            double N = fi.N_lo + (fi.N_hi - fi.N_lo) * j / (np - 1.0), d;
            double mu = upscale_gcmc_fit_mu(T->fit, N, &d), mix = 0;
            for (int g = 0; g < T->ngaps; g++)
                mix += upscale_gcmc_fit_mixing(T->fit, &T->gaps[g], N);
            fprintf(f, "%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.4g\n", T->kT, N,
                    r->sites > 0 ? N / r->sites : NAN, upscale_gcmc_x_per_fu(m, N), mu, d,
                    upscale_gcmc_fit_G(T->fit, N), mix, upscale_gcmc_temperature_mu_sd(T, N));
        }
    }
    UPSCALE_CHECK(fclose(f) == 0, UPSCALE_ERR_IO, "%s: write failed", path);

    snprintf(path, sizeof(path), "%s_gaps.csv", prefix);
    f = fopen(path, "w");
    UPSCALE_CHECK(f, UPSCALE_ERR_IO, "%s: cannot write (%s)", path, strerror(errno));
    fprintf(f, "# miscibility gaps; *_sd: bootstrap standard deviations (main gap only)\n");
    fprintf(f, "kT,gap,main,N1,N1_sd,N1_at_end,N2,N2_sd,N2_at_end,mu_coex,mu_coex_sd,S1,S1_sd,S2,"
               "S2_sd,mix_max,mix_max_sd,N_mix\n");
    for (int k = 0; k < r->ntemps; k++) {
        const upscale_gcmc_temperature *T = &r->t[k];
        for (int g = 0; g < T->ngaps; g++) {
            const upscale_gcmc_gap *p = &T->gaps[g];
            upscale_gcmc_gap sd = T->se;
            if (g != T->main_gap)
                sd = (upscale_gcmc_gap){.N1 = NAN,
                                        .N2 = NAN,
                                        .mu_coex = NAN,
                                        .S1 = NAN,
                                        .S2 = NAN,
                                        .mix_max = NAN,
                                        .N_mix = NAN};
            fprintf(f,
                    "%.10g,%d,%d,%.10g,%.4g,%d,%.10g,%.4g,%d,%.10g,%.4g,%.10g,%.4g,%.10g,%.4g,"
                    "%.10g,%.4g,%.10g\n",
                    T->kT, g + 1, g == T->main_gap, p->N1, sd.N1, p->N1_at_end, p->N2, sd.N2,
                    p->N2_at_end, p->mu_coex, sd.mu_coex, p->S1, sd.S1, p->S2, sd.S2, p->mix_max,
                    sd.mix_max, p->N_mix);
        }
    }
    UPSCALE_CHECK(fclose(f) == 0, UPSCALE_ERR_IO, "%s: write failed", path);
    return UPSCALE_OK;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

/* "v +/- sd" in a field of `width`, sd omitted when not finite. */
static void cell(double v, double sd, int at_end, int width)
{
    char buf[64];
    if (!isfinite(v))
        snprintf(buf, sizeof(buf), "-");
    else if (isfinite(sd))
        snprintf(buf, sizeof(buf), "%.4g+/-%.2g%s", v, sd, at_end ? "*" : "");
    else
        snprintf(buf, sizeof(buf), "%.4g%s", v, at_end ? "*" : "");
    printf(" %*s", width, buf);
}

/* One line per temperature: the windows' own reconstruction and, with a material fit, its
 * model.  Compositions per formula unit when known, else per site. */
static void print_summary(const upscale_gcmc_result *r, upscale_gcmc_rk *rk)
{
    const upscale_gcmc_manifest *m = r->manifest;
    double per = m->formula_units > 0 ? m->formula_units : r->sites > 0 ? r->sites : 1.0;
    const char *xs = m->formula_units > 0 ? "x per formula unit"
                     : r->sites > 0       ? "x per site"
                                          : "N";
    printf("\nsummary (%s; +/- bootstrap spread; * binodal at the end of the sampled range):\n",
           xs);
    printf("  %9s %7s %6s %18s %18s %18s %18s", m->kB > 0 ? "T [K]" : "kT", "windows", "degree",
           "x1 (windows)", "x2 (windows)", "x_mix (windows)", "mix max/unit");
    if (rk) printf(" %18s %18s %18s", "x1 (model)", "x2 (model)", "mix max (model)");
    printf("\n");
    for (int k = 0; k < r->ntemps; k++) {
        const upscale_gcmc_temperature *T = &r->t[k];
        upscale_gcmc_fit_info fi;
        upscale_gcmc_fit_get_info(T->fit, &fi);
        printf("  %9.4g %7d %6d", m->kB > 0 ? T->kT / m->kB : T->kT, T->nfit, fi.degree);
        if (T->main_gap >= 0) {
            const upscale_gcmc_gap *g = &T->gaps[T->main_gap], *e = &T->se;
            cell(g->N1 / per, e->N1 / per, g->N1_at_end, 18);
            cell(g->N2 / per, e->N2 / per, g->N2_at_end, 18);
            cell(g->N_mix / per, e->N_mix / per, 0, 18);
            cell(g->mix_max / per, e->mix_max / per, 0, 18);
        } else {
            printf(" %18s %18s %18s %18s", "no gap", "-", "-", "-");
        }
        if (rk) {
            upscale_gcmc_rk_gap g, e;
            upscale_gcmc_rk_gap_at(rk, k, &g, &e);
            if (g.found == 1) {
                cell(g.x1, e.x1, 0, 18);
                cell(g.x2, e.x2, 0, 18);
                cell(g.mix_max, e.mix_max, 0, 18);
            } else {
                printf(" %18s %18s %18s", "no gap", "-", "-");
            }
        }
        printf("\n");
    }
    printf("  (mix max: the largest mixing energy, G above the common tangent, in %s per %s%s)\n",
           m->energy_unit,
           m->formula_units > 0 ? "formula unit"
           : r->sites > 0       ? "site"
                                : "supercell",
           rk && (strcmp(m->energy_unit, "eV") || !(m->formula_units > 0))
               ? "; the model's in eV per formula unit"
               : "");
}

static void print_material(const upscale_gcmc_rk *rk, const char *path)
{
    upscale_gcmc_rk_info in;
    upscale_gcmc_rk_get_info(rk, &in);
    const upscale_rk_material *m = upscale_gcmc_rk_material(rk),
                              *sd = upscale_gcmc_rk_material_sd(rk);
    printf("\nRedlich-Kister material (%s): %d terms (%s, 1..%d well-conditioned), %d windows at "
           "%d temperatures %g..%g K, chi2/dof = %.3g; bootstrap %d replicas (%d failed)\n",
           path, in.terms, "leave-one-window-out CV, one-se rule", in.max_tried, in.npoints,
           in.ntemps, in.T_min, in.T_max, in.chi2 / (in.npoints - 2 * in.terms - 1), in.boot_ok,
           in.boot_failed);
    printf("  %-18s %16s %10s\n", "coefficient", "value", "spread");
    printf("  %-18s %16.9g %10.2g eV\n", "E0 (per ion)", m->reference_energy, sd->reference_energy);
    for (int i = 0; i < m->nterms; i++) {
        char a[32], b[32];
        snprintf(a, sizeof(a), "L%d_a", i);
        snprintf(b, sizeof(b), "L%d_b", i);
        printf("  %-18s %16.9g %10.2g eV\n", a, m->L_a[i], sd->L_a[i]);
        printf("  %-18s %16.9g %10.2g eV/K\n", b, m->L_b[i], sd->L_b[i]);
    }
}

/* "upscale import gcmc ARGS" for the provenance; arguments with spaces in quotes. */
static char *command_line(int argc, char **argv)
{
    size_t len = 32;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 3;
    char *c = malloc(len);
    if (!c) return NULL;
    size_t n = (size_t)snprintf(c, len, "upscale import");
    for (int i = 0; i < argc; i++)
        n += (size_t)snprintf(c + n, len - n, strpbrk(argv[i], " \t") ? " '%s'" : " %s", argv[i]);
    return c;
}

int upscale_import_gcmc_main(int argc, char **argv)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    upscale_gcmc_settings s;
    upscale_gcmc_settings_default(&s);
    const char *manifest = NULL, *out = NULL, *material = NULL, *name = NULL;
    double temperature = 0;
    upscale_gcmc_rk_settings rs;
    upscale_gcmc_rk_settings_default(&rs);
    upscale_gcmc_mu_table_settings ts;
    upscale_gcmc_mu_table_settings_default(&ts);
    int mu_table = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int last = i + 1 >= argc;
        long long v;
        int bad = 0;
        if (!strcmp(a, "--sites") && !last) {
            bad = parse_number(a, argv[++i], &s.sites);
            if (!bad && !(s.sites > 0)) {
                fprintf(stderr, "upscale: --sites must be > 0, got %g\n", s.sites);
                bad = 2;
            }
        } else if (!strcmp(a, "--bootstrap") && !last) {
            bad = parse_count(a, argv[++i], 0, &v);
            s.bootstrap = (int)v;
        } else if (!strcmp(a, "--seed") && !last) {
            bad = parse_count(a, argv[++i], 0, &v);
            s.seed = (uint64_t)v;
        } else if (!strcmp(a, "--max-degree") && !last) {
            bad = parse_count(a, argv[++i], 1, &v);
            if (!bad && v > 60) {
                fprintf(stderr, "upscale: --max-degree must be in [1, 60], got %lld\n", v);
                bad = 2;
            }
            s.fit.max_degree = (int)(v > 60 ? 60 : v);
        } else if (!strcmp(a, "--temperature") && !last) {
            bad = parse_number(a, argv[++i], &temperature);
            if (!bad && !(temperature > 0)) {
                fprintf(stderr, "upscale: --temperature must be > 0, got %g\n", temperature);
                bad = 2;
            }
        } else if (!strcmp(a, "--out") && !last) {
            out = argv[++i];
        } else if (!strcmp(a, "-o") && !last) {
            material = argv[++i];
        } else if (!strcmp(a, "--name") && !last) {
            name = argv[++i];
        } else if (!strcmp(a, "--sites-per-fu") && !last) {
            bad = parse_number(a, argv[++i], &rs.sites_per_fu);
            if (!bad && !(rs.sites_per_fu > 0)) {
                fprintf(stderr, "upscale: --sites-per-fu must be > 0, got %g\n", rs.sites_per_fu);
                bad = 2;
            }
        } else if (!strcmp(a, "--site-density") && !last) {
            bad = parse_number(a, argv[++i], &rs.fu_density);
            if (!bad && !(rs.fu_density > 0)) {
                fprintf(stderr,
                        "upscale: --site-density must be > 0 (formula units per m^3), "
                        "got %g\n",
                        rs.fu_density);
                bad = 2;
            }
        } else if (!strcmp(a, "--rk-terms") && !last) {
            bad = parse_count(a, argv[++i], 1, &v);
            if (!bad && v > UPSCALE_RK_MAX_TERMS) {
                fprintf(stderr, "upscale: --rk-terms expects 1..%d, got %lld\n",
                        UPSCALE_RK_MAX_TERMS, v);
                bad = 2;
            }
            rs.terms = (int)v;
        } else if (!strcmp(a, "--criterion") && !last) {
            const char *c = argv[++i];
            if (!strcmp(c, "loo"))
                s.fit.criterion = UPSCALE_GCMC_CRITERION_LOO;
            else if (!strcmp(c, "bic"))
                s.fit.criterion = UPSCALE_GCMC_CRITERION_BIC;
            else {
                fprintf(stderr, "upscale: --criterion expects loo or bic, got '%s'\n", c);
                bad = 2;
            }
        } else if (!strcmp(a, "--mu-table")) {
            mu_table = 1;
        } else if (!strcmp(a, "--energy-eV") && !last) {
            bad = parse_number(a, argv[++i], &ts.energy_eV);
            if (!bad && !(ts.energy_eV > 0)) {
                fprintf(stderr, "upscale: --energy-eV must be > 0, got %g\n", ts.energy_eV);
                bad = 2;
            }
        } else if (!strcmp(a, "--drop-drifting")) {
            s.drop_drifting = 1;
        } else if (!strcmp(a, "--strict")) {
            s.strict = 1;
        } else if (!strcmp(a, "--min-neff") && !last) {
            bad = parse_number(a, argv[++i], &s.window.min_neff);
        } else if (!strcmp(a, "--min-samples") && !last) {
            bad = parse_count(a, argv[++i], 1, &v);
            s.window.min_samples = (int)(v > 1000000000 ? 1000000000 : v);
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(import_usage, stdout);
            return 0;
        } else if (a[0] == '-' || manifest) {
            fprintf(stderr,
                    "upscale: import gcmc: unexpected argument '%s' (see upscale import gcmc "
                    "--help)\n",
                    a);
            return 2;
        } else {
            manifest = a;
        }
        if (bad) return bad;
    }
    if (!manifest) {
        fprintf(stderr,
                "upscale: import gcmc needs a MANIFEST.csv (see upscale import gcmc --help)\n");
        return 2;
    }
    if (material && s.bootstrap < 20) {
        fprintf(stderr,
                "upscale: import gcmc -o: the material file carries bootstrap "
                "uncertainties; --bootstrap must be >= 20, got %d\n",
                s.bootstrap);
        return 2;
    }
    if (!material && (name || rs.terms || rs.sites_per_fu > 0 || rs.fu_density > 0 || mu_table ||
                      ts.energy_eV > 0)) {
        fprintf(stderr, "upscale: import gcmc: --name, --rk-terms, --sites-per-fu, "
                        "--site-density, --mu-table and --energy-eV need -o MATERIAL.yaml\n");
        return 2;
    }
    ts.sites_per_fu = rs.sites_per_fu;
    ts.fu_density = rs.fu_density;
    rs.bootstrap = s.bootstrap;
    rs.seed = s.seed;
    upscale_gcmc_manifest *m = NULL;
    upscale_gcmc_result *r = NULL;
    upscale_err e = upscale_gcmc_manifest_read(manifest, &m);
    if (!e && material && !(m->kB > 0) && !(ts.energy_eV > 0))
        e = upscale_error_set(UPSCALE_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "%s: energy_unit %s has no Boltzmann constant: give --energy-eV E "
                              "(the value of one %s in eV) for a material file",
                              m->path, m->energy_unit, m->energy_unit);
    if (!e && temperature > 0) s.kT_only = m->kB > 0 ? temperature * m->kB : temperature;
    if (!e) e = upscale_gcmc_analyze(m, &s, &r);
    if (!e) {
        static const char *ideal[] = {"lattice", "gas", "none"};
        printf("manifest %s: %d windows, %d temperatures, energy unit %s, ideal term %s", m->path,
               m->nwindows, r->ntemps, m->energy_unit, ideal[m->ideal]);
        if (r->sites > 0) printf(", %g sites per supercell", r->sites);
        if (m->formula_units > 0) printf(", %g formula units", m->formula_units);
        if (m->volume_m3 > 0) printf(", volume %g m^3", m->volume_m3);
        printf("\nwindows: equilibration cut by MSER-5 over the first half, kept when the head "
               "differs by > %g se (cut z); se = sqrt(s^2 g / n) with g by Geyer's initial "
               "monotone sequence (se block: Jonsson blocking, a cross-check); drift '!' when "
               "the halves differ by > %g se\n",
               s.window.cut_z, s.window.drift_sigma);
        for (int k = 0; k < r->ntemps; k++)
            print_temperature(r, &r->t[k], &s);
        if (out) e = write_outputs(r, out);
    }
    double t_analysis = seconds_since(&t0);
    upscale_gcmc_rk *rk = NULL;
    /* tables when a Redlich-Kister fit in T is not possible (or asked for) */
    const char *reason = NULL;
    if (!e && material) {
        if (mu_table)
            reason = "asked for (--mu-table)";
        else if (r->ntemps < 2)
            reason = "windows at one temperature (L_i = a_i + b_i T needs two)";
        else if (!(m->kB > 0))
            reason = "the energy unit has no Boltzmann constant (reduced units)";
        else if (m->ideal != UPSCALE_GCMC_IDEAL_LATTICE)
            reason = "the ideal term is not the lattice one";
    }
    if (!e && material && !reason) e = upscale_gcmc_rk_fit(r, &rs, &rk);
    if (!e) print_summary(r, rk);
    if (!e && material && reason) {
        char stem[256];
        const char *b = base_name(material), *dot = strrchr(b, '.');
        snprintf(stem, sizeof(stem), "%.*s", dot ? (int)(dot - b) : (int)strlen(b), b);
        char *cmd = command_line(argc, argv);
        printf("\nmaterial as mu_table files: a Redlich-Kister fit in T is not made: %s\n", reason);
        e = upscale_gcmc_mu_table_write(r, &ts, material, name ? name : stem, reason, cmd);
        free(cmd);
        if (!e) printf("wrote %s and its tables %s_mu_<T>K.csv (+ _sd.csv)\n", material, stem);
    } else if (!e && material) {
        print_material(rk, material);
        char stem[256];
        const char *b = base_name(material), *dot = strrchr(b, '.');
        snprintf(stem, sizeof(stem), "%.*s", dot ? (int)(dot - b) : (int)strlen(b), b);
        char *cmd = command_line(argc, argv);
        e = upscale_gcmc_rk_write(rk, r, material, name ? name : stem, cmd);
        free(cmd);
        if (!e) printf("wrote %s\n", material);
    }
    if (!e)
        printf("time: %.3f s (windows, fits and bootstrap %.3f s%s)\n", seconds_since(&t0),
               t_analysis, material ? ", then the material file" : "");
    upscale_gcmc_rk_destroy(&rk);
    upscale_gcmc_result_destroy(&r);
    upscale_gcmc_manifest_destroy(&m);
    return exit_status(e);
}

int upscale_gcmc_lattice_main(int argc, char **argv)
{
    upscale_lattice_scan_settings s;
    upscale_lattice_scan_settings_default(&s);
    const char *out = NULL;
    double T = 0.8, nt_min = NAN, nt_max = NAN;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int last = i + 1 >= argc, bad = 0;
        long long v;
        if (!strcmp(a, "--out") && !last)
            out = argv[++i];
        else if (!strcmp(a, "--L") && !last) {
            bad = parse_count(a, argv[++i], 4, &v);
            if (!bad && v > 4096) {
                fprintf(stderr, "upscale: --L must be in [4, 4096], got %lld\n", v);
                bad = 2;
            }
            s.L = (int)(v > 4096 ? 4096 : v);
        } else if (!strcmp(a, "--T") && !last)
            bad = parse_number(a, argv[++i], &T);
        else if (!strcmp(a, "--seed") && !last) {
            bad = parse_count(a, argv[++i], 0, &v);
            s.seed = (uint64_t)v;
        } else if (!strcmp(a, "--sweeps") && !last) {
            bad = parse_count(a, argv[++i], 1, &v);
            s.sweeps = v;
        } else if (!strcmp(a, "--sample-every") && !last) {
            bad = parse_count(a, argv[++i], 1, &v);
            s.sample_every = v;
        } else if (!strcmp(a, "--windows") && !last) {
            bad = parse_count(a, argv[++i], 1, &v);
            if (!bad && v > 100000) {
                fprintf(stderr, "upscale: --windows must be in [1, 100000], got %lld\n", v);
                bad = 2;
            }
            s.nwindows = (int)(v > 100000 ? 100000 : v);
        } else if (!strcmp(a, "--phi") && !last)
            bad = parse_number(a, argv[++i], &s.phi);
        else if (!strcmp(a, "--mu") && !last)
            bad = parse_number(a, argv[++i], &s.mu);
        else if (!strcmp(a, "--nt-min") && !last)
            bad = parse_number(a, argv[++i], &nt_min);
        else if (!strcmp(a, "--nt-max") && !last)
            bad = parse_number(a, argv[++i], &nt_max);
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(lattice_usage, stdout);
            return 0;
        } else {
            fprintf(stderr,
                    "upscale: gcmc-lattice: unexpected argument '%s' (see upscale gcmc-lattice "
                    "--help)\n",
                    a);
            return 2;
        }
        if (bad) return bad;
    }
    if (!out) {
        fprintf(stderr,
                "upscale: gcmc-lattice needs --out DIR (see upscale gcmc-lattice --help)\n");
        return 2;
    }
    if (!(T > 0) || !(s.phi >= 0)) {
        fprintf(stderr, "upscale: gcmc-lattice: need --T > 0 and --phi >= 0, got %g, %g\n", T,
                s.phi);
        return 2;
    }
    double sites = (double)s.L * s.L, pad = 250.0 * sites / 4096.0;
    s.nt_min = isnan(nt_min) ? -pad : nt_min;
    s.nt_max = isnan(nt_max) ? sites + pad : nt_max;
    s.kT = T * upscale_lattice_critical_kT(s.eps);
    printf("gcmc-lattice: L = %d, kT = %.6g eps (T/T_c = %g), %d windows x %lld sweeps, "
           "phi = %g eps, mu_bias = %g eps, N_t = %g..%g\n",
           s.L, s.kT, T, s.nwindows, (long long)s.sweeps, s.phi, s.mu, s.nt_min, s.nt_max);
    double rg, rl, muc;
    if (upscale_lattice_coexistence(s.eps, s.kT, &rg, &rl, &muc) == UPSCALE_OK)
        printf("exact (Onsager, Yang): rho_gas = %.6f, rho_liquid = %.6f, mu_coex = %g eps\n", rg,
               rl, muc);
    else
        upscale_error_clear();
    upscale_lattice_scan_stats st;
    upscale_err e = upscale_lattice_scan(&s, out, &st);
    if (!e)
        printf("wrote %s/manifest.csv and %d window files; %.3g moves in %.2f s = %.3g moves/s\n",
               out, s.nwindows, (double)st.moves, st.seconds, st.moves / st.seconds);
    return exit_status(e);
}

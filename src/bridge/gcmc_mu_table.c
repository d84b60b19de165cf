/* A tabulated material (include/upscale/mu_table.h) from biased-GCMC windows, for the cases a
 * Redlich-Kister fit in T cannot take: one temperature, reduced units, a gas or no ideal term
 * (`upscale import gcmc -o` then writes tables).  Rules and layout: include/upscale/gcmc.h. */
#include "upscale/gcmc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upscale/constants.h"
#include "upscale/sha256.h"
#include "upscale/yaml_out.h"
#include "upscale_version.h"

#define KB_EV (UPSCALE_GAS / UPSCALE_FARADAY) /* k_B / e, eV/K, as rk_material.c */

void upscale_gcmc_mu_table_settings_default(upscale_gcmc_mu_table_settings *s)
{
    *s = (upscale_gcmc_mu_table_settings){.points = 201};
}

/* A file written under a temporary name beside its target, renamed at the end. */
typedef struct {
    char path[4200], tmp[4300];
    FILE *f;
} outfile;

static upscale_err out_open(outfile *o, const char *path)
{
    o->f = NULL;
    o->tmp[0] = '\0';
    UPSCALE_CHECK(snprintf(o->path, sizeof(o->path), "%s", path) < (int)sizeof(o->path),
                  UPSCALE_ERR_INPUT, "%s: path too long", path);
    snprintf(o->tmp, sizeof(o->tmp), "%s.tmp.XXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        o->tmp[0] = '\0';
        return upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                                 "%s: cannot create a file beside it (%s)", path, strerror(errno));
    }
    fchmod(fd, 0644); /* mkstemp makes it 0600 */
    o->f = fdopen(fd, "w");
    if (!o->f) {
        close(fd);
        return upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__, "%s: %s", o->tmp,
                                 strerror(errno));
    }
    return UPSCALE_OK;
}

static upscale_err out_close(outfile *o)
{
    if (!o->f) return UPSCALE_OK;
    int bad = ferror(o->f) | (fclose(o->f) != 0);
    o->f = NULL;
    UPSCALE_CHECK(!bad, UPSCALE_ERR_IO, "%s: write failed (%s)", o->tmp, strerror(errno));
    return UPSCALE_OK;
}

static void out_discard(outfile *o)
{
    if (o->f) fclose(o->f);
    o->f = NULL;
    if (o->tmp[0]) unlink(o->tmp);
    o->tmp[0] = '\0';
}

/* The window path as written in the manifest (relative to its directory). */
static const char *manifest_relative(const upscale_gcmc_manifest *m, const char *path)
{
    const char *slash = strrchr(m->path, '/');
    size_t len = slash ? (size_t)(slash - m->path + 1) : 0;
    return len && !strncmp(path, m->path, len) ? path + len : path;
}

static int at_temperature(const upscale_gcmc_result *r, int i)
{
    const upscale_gcmc_manifest *m = r->manifest;
    for (int k = 0; k < r->ntemps; k++)
        if (fabs(m->w[i].kT - r->t[k].kT) <= 1e-9 * r->t[k].kT) return k;
    return -1;
}

/* Table k: f(x) (and its bootstrap spread) on `points` x over the sampled range. */
static void write_table(FILE *f, FILE *fsd, const upscale_gcmc_result *r,
                        const upscale_gcmc_temperature *T, double T_K, double ev, double fu,
                        int ideal, int points)
{
    const upscale_gcmc_manifest *m = r->manifest;
    upscale_gcmc_fit_info fi;
    upscale_gcmc_fit_get_info(T->fit, &fi);
    fprintf(f,
            "# mu(N) of the windows' fit at T = %.6g K (kT = %.8g %s), upscale import gcmc %s;\n"
            "# f = mu - E0%s in eV per particle, x = N / %.8g (particles per formula unit)\n",
            T_K, T->kT, m->energy_unit, m->path,
            ideal ? " - kT ln(x/(n - x)) (the excess: the simulator adds the ideal term)" : "", fu);
    fprintf(f, "particles per formula unit x [1],f [eV]\n");
    fprintf(fsd,
            "# bootstrap spread (half the central 68.27%% interval over %d replicas) of mu at "
            "T = %.6g K, eV\n",
            T->boot_ok + T->boot_failed, T_K);
    fprintf(fsd, "particles per formula unit x [1],mu spread [eV]\n");
    for (int j = 0; j < points; j++) {
        double N = fi.N_lo + (fi.N_hi - fi.N_lo) * j / (points - 1.0);
        double mu = upscale_gcmc_fit_mu(T->fit, N, NULL);
        /* the lattice ideal term kT ln(y/(1-y)), y = N / sites = x / n */
        if (ideal) mu -= T->kT * (log(N) - log(r->sites - N));
        fprintf(f, "%.12g,%.12g\n", N / fu, mu * ev);
        fprintf(fsd, "%.12g,%.6g\n", N / fu, upscale_gcmc_temperature_mu_sd(T, N) * ev);
    }
}

static void write_gap(FILE *f, const upscale_gcmc_temperature *T, double ev, double fu)
{
    if (T->main_gap < 0) {
        fprintf(f, "    gap: false\n");
        return;
    }
    const upscale_gcmc_gap *g = &T->gaps[T->main_gap], *e = &T->se;
    upscale_yaml_out_number(f, 4, "binodal_x1", g->N1 / fu, NULL, 8);
    upscale_yaml_out_number(f, 4, "binodal_x1_sd", e->N1 / fu, NULL, 8);
    if (g->N1_at_end) fprintf(f, "    binodal_x1_at_end: true\n");
    upscale_yaml_out_number(f, 4, "binodal_x2", g->N2 / fu, NULL, 8);
    upscale_yaml_out_number(f, 4, "binodal_x2_sd", e->N2 / fu, NULL, 8);
    if (g->N2_at_end) fprintf(f, "    binodal_x2_at_end: true\n");
    upscale_yaml_out_number(f, 4, "spinodal_x1", g->S1 / fu, NULL, 8);
    upscale_yaml_out_number(f, 4, "spinodal_x2", g->S2 / fu, NULL, 8);
    upscale_yaml_out_number(f, 4, "mu_coex", g->mu_coex * ev, "eV", 8);
    upscale_yaml_out_number(f, 4, "mu_coex_sd", e->mu_coex * ev, "eV", 8);
    upscale_yaml_out_number(f, 4, "mixing_max", g->mix_max * ev / fu, "eV", 8);
    upscale_yaml_out_number(f, 4, "mixing_max_sd", e->mix_max * ev / fu, "eV", 8);
}

upscale_err upscale_gcmc_mu_table_write(const upscale_gcmc_result *r,
                                        const upscale_gcmc_mu_table_settings *s, const char *path,
                                        const char *name, const char *reason, const char *command)
{
    const upscale_gcmc_manifest *m = r->manifest;
    /* energy unit in eV, sites per formula unit n, formula units per supercell and per m^3 */
    double ev = s->energy_eV > 0 ? s->energy_eV : m->kB > 0 ? KB_EV / m->kB : 0.0;
    UPSCALE_CHECK(ev > 0, UPSCALE_ERR_INPUT,
                  "%s: energy_unit %s has no Boltzmann constant: give --energy-eV E (the value of "
                  "one %s in eV) for a material file",
                  m->path, m->energy_unit, m->energy_unit);
    UPSCALE_CHECK(r->sites > 0, UPSCALE_ERR_INPUT,
                  "%s: a material file needs the sites per supercell (x runs over [0, n]): give "
                  "'# sites:' in the manifest or --sites N",
                  m->path);
    double n = s->sites_per_fu > 0    ? s->sites_per_fu
               : m->sites_per_fu > 0  ? m->sites_per_fu
               : m->formula_units > 0 ? r->sites / m->formula_units
                                      : 0.0;
    UPSCALE_CHECK(n > 0, UPSCALE_ERR_INPUT,
                  "%s: sites per formula unit unknown: give --sites-per-fu or '# formula_units:' "
                  "in the manifest",
                  m->path);
    double fu = m->formula_units > 0 ? m->formula_units : r->sites / n;
    double dens = s->fu_density > 0 ? s->fu_density : m->volume_m3 > 0 ? fu / m->volume_m3 : 0.0;
    UPSCALE_CHECK(dens > 0 && isfinite(dens), UPSCALE_ERR_INPUT,
                  "%s: formula units per m^3 unknown: give --site-density or '# volume:' in the "
                  "manifest",
                  m->path);
    UPSCALE_CHECK(s->points >= 3, UPSCALE_ERR_INPUT, "mu_table: %d points (need >= 3)", s->points);
    const int ideal = m->ideal == UPSCALE_GCMC_IDEAL_LATTICE;
    for (int k = 0; k < r->ntemps; k++) {
        upscale_gcmc_fit_info fi;
        upscale_gcmc_fit_get_info(r->t[k].fit, &fi);
        UPSCALE_CHECK(fi.N_lo >= 0 && fi.N_hi <= r->sites, UPSCALE_ERR_INPUT,
                      "%s: sampled N = %g..%g is outside [0, %g sites]: give a larger '# sites:' "
                      "or --sites",
                      m->path, fi.N_lo, fi.N_hi, r->sites);
    }
    /* checksums of every input first: nothing is created if one cannot be read */
    char man_sha[65];
    long long man_bytes;
    UPSCALE_CALL(upscale_sha256_file(m->path, man_sha, &man_bytes));
    char(*wsha)[65] = malloc((size_t)m->nwindows * sizeof(*wsha));
    long long *wbytes = malloc((size_t)m->nwindows * sizeof(*wbytes));
    outfile *tab = calloc((size_t)(2 * r->ntemps + 1), sizeof(*tab));
    if (!wsha || !wbytes || !tab) {
        free(wsha), free(wbytes), free(tab);
        UPSCALE_ALLOC_CHECK(NULL);
    }
    upscale_err e = UPSCALE_OK;
    for (int i = 0; !e && i < m->nwindows; i++)
        if (at_temperature(r, i) >= 0) e = upscale_sha256_file(m->w[i].path, wsha[i], &wbytes[i]);

    /* the tables beside the material file: STEM_mu_<T>K.csv and STEM_mu_<T>K_sd.csv */
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    int dlen = (int)(base - path), blen = dot ? (int)(dot - base) : (int)strlen(base);
    char(*fname)[600] = calloc((size_t)(2 * r->ntemps), sizeof(*fname));
    if (!fname)
        e = upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__, __func__, "no memory");
    double *TK = calloc((size_t)r->ntemps, sizeof(*TK));
    if (!TK && !e)
        e = upscale_error_set(UPSCALE_ERR_MEMORY, __FILE__, __LINE__, __func__, "no memory");
    for (int k = 0; !e && k < r->ntemps; k++) {
        TK[k] = r->t[k].kT * ev / KB_EV;
        char full[4400];
        for (int q = 0; q < 2 && !e; q++) {
            snprintf(fname[2 * k + q], sizeof(fname[0]), "%.*s_mu_%gK%s.csv", blen, base, TK[k],
                     q ? "_sd" : "");
            snprintf(full, sizeof(full), "%.*s%s", dlen, path, fname[2 * k + q]);
            e = out_open(&tab[2 * k + q], full);
        }
        if (!e)
            write_table(tab[2 * k].f, tab[2 * k + 1].f, r, &r->t[k], TK[k], ev, fu, ideal,
                        s->points);
    }
    if (!e) e = out_open(&tab[2 * r->ntemps], path);
    if (!e) {
        FILE *f = tab[2 * r->ntemps].f;
        int nused = 0;
        for (int k = 0; k < r->ntemps; k++)
            nused += r->t[k].nfit;
        fprintf(f,
                "# Tabulated material (include/upscale/mu_table.h) from biased-GCMC windows by "
                "`upscale import gcmc`\n# (src/bridge/gcmc_mu_table.c): mu(x) of each "
                "temperature's own fit (eq. 17, Legendre + ideal term)\n# on its sampled range, "
                "linear in T between tables (extrapolated outside them by the simulator).\n"
                "# Tables, not Redlich-Kister: %s.\n# The simulator reads the keys down to "
                "tables; uncertainty.*, derived.* and provenance.* are records.\n",
                reason ? reason : "asked for");
        char cite[2048];
        snprintf(cite, sizeof(cite),
                 "Tabulated by upscale import gcmc (upscale %s) from the %d biased-GCMC windows of "
                 "%s at %d temperature(s); see provenance",
                 UPSCALE_GIT_DESCRIBE, nused, m->path, r->ntemps);
        fprintf(f, "citation: ");
        upscale_yaml_out_quote(f, cite);
        fprintf(f, "\nmaterial: ");
        upscale_yaml_out_quote(f, name);
        fprintf(f, "\nsites_per_formula_unit: %.10g\n", n);
        fprintf(f, "site_density: %.9e m^-3      # formula units per m^3\n", dens);
        fprintf(f, "reference_energy: 0 eV   # E0: the tables hold mu itself\n");
        fprintf(f, "ideal_sites: %s\n", ideal ? "true     # the tables hold the excess" : "false");
        fprintf(f, "tables:\n");
        for (int k = 0; k < r->ntemps; k++)
            fprintf(f, "  - {temperature: %.10g K, file: %s}\n", TK[k], fname[2 * k]);
        fprintf(f, "uncertainty:   # bootstrap over windows (%s)\n",
                "half the central 68.27% interval");
        fprintf(f, "  replicas: %d\n  tables:\n",
                r->ntemps ? r->t[0].boot_ok + r->t[0].boot_failed : 0);
        for (int k = 0; k < r->ntemps; k++)
            fprintf(f, "    - {temperature: %.10g K, file: %s}\n", TK[k], fname[2 * k + 1]);
        fprintf(f, "derived:\n");
        fprintf(f, "  energy_unit: ");
        upscale_yaml_out_quote(f, m->energy_unit);
        fprintf(f, "\n");
        upscale_yaml_out_number(f, 2, "energy_unit_in_eV", ev, NULL, 8);
        upscale_yaml_out_number(f, 2, "formula_units_per_supercell", fu, NULL, 8);
        for (int k = 0; k < r->ntemps; k++) {
            upscale_gcmc_fit_info fi;
            upscale_gcmc_fit_get_info(r->t[k].fit, &fi);
            fprintf(f, "  T%gK:\n", TK[k]);
            upscale_yaml_out_number(f, 4, "kT", r->t[k].kT, m->energy_unit, 8);
            fprintf(f, "    windows: %d\n    legendre_degree: %d\n", r->t[k].nfit, fi.degree);
            upscale_yaml_out_number(f, 4, "x_min", fi.N_lo / fu, NULL, 8);
            upscale_yaml_out_number(f, 4, "x_max", fi.N_hi / fu, NULL, 8);
            write_gap(f, &r->t[k], ev, fu);
        }
        fprintf(f, "provenance:\n  command: ");
        upscale_yaml_out_quote(f, command ? command : "");
        fprintf(f, "\n  upscale_version: ");
        upscale_yaml_out_quote(f, UPSCALE_GIT_DESCRIBE);
        fprintf(f, "\n  checksum: sha256\n  manifest: {file: ");
        upscale_yaml_out_quote(f, m->path);
        fprintf(f, ", bytes: %lld, sha256: %s}\n", man_bytes, man_sha);
        fprintf(f, "  windows:   # file relative to the manifest's directory\n");
        for (int i = 0; i < m->nwindows; i++) {
            int k = at_temperature(r, i), used = 0;
            if (k < 0) continue;
            for (int l = 0; l < r->t[k].nfit; l++)
                used |= r->t[k].windows[l] == i;
            fprintf(f, "    - {file: ");
            upscale_yaml_out_quote(f, manifest_relative(m, m->w[i].path));
            fprintf(f, ", bytes: %lld, sha256: %s, in_fit: %s}\n", wbytes[i], wsha[i],
                    used ? "true" : "false");
        }
    }
    /* close all, then rename all (the material file last) */
    for (int q = 0; q <= 2 * r->ntemps; q++) {
        upscale_err c = out_close(&tab[q]);
        if (!e) e = c;
    }
    for (int q = 0; !e && q <= 2 * r->ntemps; q++)
        if (rename(tab[q].tmp, tab[q].path) != 0)
            e = upscale_error_set(UPSCALE_ERR_IO, __FILE__, __LINE__, __func__,
                                  "%s: cannot rename %s to it (%s)", tab[q].path, tab[q].tmp,
                                  strerror(errno));
        else
            tab[q].tmp[0] = '\0';
    if (e)
        for (int q = 0; q <= 2 * r->ntemps; q++)
            out_discard(&tab[q]);
    free(fname);
    free(TK);
    free(tab);
    free(wsha);
    free(wbytes);
    return e ? upscale_error_trace(e, __FILE__, __LINE__, __func__) : UPSCALE_OK;
}

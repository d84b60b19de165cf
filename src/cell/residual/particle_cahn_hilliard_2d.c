/* Cahn-Hilliard particles on an axisymmetric sphere (r, theta) (docs/model.md eq. 20-22, 24):
 *     dc/dt = div( M(c) grad mu ),
 *     mu = mu_h(c) - kappa lap(c) + B (c - c_mean),      mu_h(c) = -F U_h(c / c_max),
 *     -M dmu/dn = j(theta) and dc/dr = s_w at r = R;  no flux through the axis (theta = 0, pi).
 * Finite volumes: the 1D model's radial faces r_f times a uniform theta mesh; cell (i, k) has the
 * exact volume V = (r_i+1^3 - r_i^3)/3 w_k, w_k = 2 pi (cos theta_k - cos theta_k+1), radial
 * faces r_f^2 w_k, and theta faces carry 2 pi sin(theta_f) (r_i+1 - r_i) / (theta_k+1 - theta_k)
 * times the jump (the exact integral of (1/r) d/dtheta over the cone r_i <= r <= r_i+1).  Face
 * mobilities are the closure's mean of the two cells' M (src/cell/particle.c), as in 1D; the
 * Laplacian is the same divergence applied to c.  At r = R each polar cell carries its own j
 * (eq. 16, as interface_kinetics.c):
 *     mu_R = mu_N - j (R - r_N) / M(c_N),  c_ss = c_N + s_w (R - r_N),
 *     j = law(c_e, c_ss, phi - (-mu_R / F) - F R_film j)  with k0 -> k0 (1 + a cos 2 theta)
 * (the cell's mean of the factor).  With a = 0 and a theta-uniform state each polar column is
 * the 1D sphere's residual times w_k: the 1D model exactly.
 *
 * In the cell (this file's kernel) each node of the region owns one such particle; its
 * surface sees phi = phi_s - phi_e and the node's c_e, and the node's j (the unknown the
 * charge and salt balances read) is the area mean of the j_k:
 *     j - sum_k A_k j_k / A = 0. */
#include "ch2d.h"

#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

upscale_err upscale_ch2d_create(const upscale_model *m, int gr, int nt, double a,
                                upscale_ch2d **out)
{
    *out = NULL;
    const int nr = m->layout->nr[gr];
    UPSCALE_CHECK(nr >= 1 && nt >= 1, UPSCALE_ERR_INTERNAL, "2D particle: %d x %d cells", nr, nt);
    upscale_ch2d *g = calloc(1, sizeof(*g));
    UPSCALE_ALLOC_CHECK(g);
    *out = g;
    g->nr = nr;
    g->nt = nt;
    g->R = m->cell.el[gr].radius;
    g->anisotropy = a;
    g->rf = calloc(nr + 1, sizeof(double));
    g->rc = calloc(nr, sizeof(double));
    g->vol = calloc(nr, sizeof(double));
    g->thf = calloc(nt + 1, sizeof(double));
    g->thc = calloc(nt, sizeof(double));
    g->w = calloc(nt, sizeof(double));
    g->area = calloc(nt, sizeof(double));
    g->aniso = calloc(nt, sizeof(double));
    g->mob = calloc((size_t)nr * nt, sizeof(double));
    g->dmob = calloc((size_t)nr * nt, sizeof(double));
    g->tr = calloc(nr, sizeof(double));
    g->tt = calloc(nt, sizeof(double));
    UPSCALE_ALLOC_CHECK(g->rf && g->rc && g->vol && g->thf && g->thc && g->w && g->area &&
                        g->aniso && g->mob && g->dmob && g->tr && g->tt);
    memcpy(g->rf, m->rf[gr], (nr + 1) * sizeof(double));
    memcpy(g->rc, m->rc[gr], nr * sizeof(double));
    memcpy(g->vol, m->vol[gr], nr * sizeof(double));
    for (int k = 0; k <= nt; k++)
        g->thf[k] = PI * k / nt;
    g->atot = 0.0;
    for (int k = 0; k < nt; k++) {
        double u0 = cos(g->thf[k]), u1 = cos(g->thf[k + 1]);
        g->thc[k] = 0.5 * (g->thf[k] + g->thf[k + 1]);
        g->w[k] = 2.0 * PI * (u0 - u1);
        g->area[k] = g->R * g->R * g->w[k];
        /* mean of cos 2 theta = 2 u^2 - 1 over the cell, u = cos theta, dA ~ du */
        double avg =
            ((2.0 * u0 * u0 * u0 / 3.0 - u0) - (2.0 * u1 * u1 * u1 / 3.0 - u1)) / (u0 - u1);
        g->aniso[k] = 1.0 + a * avg;
        g->atot += g->area[k];
    }
    g->vtot = 4.0 * PI * g->R * g->R * g->R / 3.0;
    for (int i = 0; i + 1 < nr; i++)
        g->tr[i] = g->rf[i + 1] * g->rf[i + 1] / (g->rc[i + 1] - g->rc[i]);
    for (int k = 0; k + 1 < nt; k++)
        g->tt[k] = 2.0 * PI * sin(g->thf[k + 1]) / (g->thc[k + 1] - g->thc[k]);
    return UPSCALE_OK;
}

void upscale_ch2d_destroy(upscale_ch2d **gp)
{
    upscale_ch2d *g = *gp;
    if (!g) return;
    free(g->rf);
    free(g->rc);
    free(g->vol);
    free(g->thf);
    free(g->thc);
    free(g->w);
    free(g->area);
    free(g->aniso);
    free(g->mob);
    free(g->dmob);
    free(g->tr);
    free(g->tt);
    free(g);
    *gp = NULL;
}

double upscale_ch2d_content(const upscale_ch2d *g, const double *u)
{
    double s = 0.0;
    for (int k = 0; k < g->nt; k++)
        for (int i = 0; i < g->nr; i++)
            s += u[2 * (k * g->nr + i)] * g->vol[i] * g->w[k];
    return s;
}

static inline void add(const upscale_ch2d_sink *J, int row, int col, double v)
{
    J->add(J->ctx, row, col, v);
}

/* Flux and gradient-energy exchange across one face between cells a and b (offsets of their
 * c; mu at + 1), transmissibility T (face area / distance), cell volumes va, vb:
 *     N = -M_f T (mu_b - mu_a)  leaves a, enters b;  kappa T (c_b - c_a) enters the
 *     Laplacians. */
static void face(const upscale_ch2d *g, const upscale_electrode *el, const double *u, double *f,
                 const upscale_ch2d_sink *J, int a, int b, double T, double va, double vb)
{
    double da, db, mf = el->face_mobility(g->mob[a / 2], g->mob[b / 2], &da, &db);
    double dmu = u[b + 1] - u[a + 1];
    double N = -mf * T * dmu, G = T * (u[b] - u[a]), kap = el->kappa;
    if (f) {
        f[a] += N / va;
        f[b] -= N / vb;
        f[a + 1] += kap * G / va;
        f[b + 1] -= kap * G / vb;
    }
    if (!J) return;
    int cols[4] = {a + 1, b + 1, a, b};
    double dN[4] = {mf * T, -mf * T, -da * g->dmob[a / 2] * T * dmu,
                    -db * g->dmob[b / 2] * T * dmu};
    for (int q = 0; q < 4; q++) {
        add(J, a, cols[q], dN[q] / va);
        add(J, b, cols[q], -dN[q] / vb);
    }
    add(J, a + 1, b, kap * T / va);
    add(J, a + 1, a, -kap * T / va);
    add(J, b + 1, b, -kap * T / vb);
    add(J, b + 1, a, kap * T / vb);
}

int upscale_ch2d_assemble(const upscale_ch2d *g, const upscale_model *m,
                          const upscale_electrode *el, const double *u, const double *ud,
                          double shift, double phi, double ce, double *f,
                          const upscale_ch2d_sink *J, double *flux)
{
    const double F = m->cell.faraday, rt = UPSCALE_GAS * m->cell.temperature;
    const double B = el->coherency, cm = el->cmax;
    const int nr = g->nr, nt = g->nt, jb = 2 * nr * nt, cb = jb + nt;
    const double cbar = u[cb];
    if (!(ce > 0)) return 1;
    /* Bulk: c' and mu = mu_h(c) + B (c - c_mean) before the fluxes and the Laplacian. */
    for (int k = 0; k < nt; k++)
        for (int i = 0; i < nr; i++) {
            int o = 2 * (k * nr + i);
            double s = u[o] / cm, du;
            if (!(s > -UPSCALE_CH_OUTSIDE && s < 1 + UPSCALE_CH_OUTSIDE)) return 1;
            double uh = upscale_ch_homogeneous_potential(el, s, &du);
            g->mob[o / 2] = el->mobility(el, u[o], rt, &g->dmob[o / 2]);
            if (f) {
                f[o] = ud[o];
                f[o + 1] = u[o + 1] + F * uh - B * (u[o] - cbar);
            }
            if (!J) continue;
            add(J, o, o, shift);
            add(J, o + 1, o + 1, 1.0);
            add(J, o + 1, o, F * du / cm - B);
            add(J, o + 1, cb, B);
        }
    /* Radial faces r_i+1 (area r^2 w_k) and theta faces theta_k+1. */
    for (int k = 0; k < nt; k++)
        for (int i = 0; i + 1 < nr; i++)
            face(g, el, u, f, J, 2 * (k * nr + i), 2 * (k * nr + i + 1), g->tr[i] * g->w[k],
                 g->vol[i] * g->w[k], g->vol[i + 1] * g->w[k]);
    for (int k = 0; k + 1 < nt; k++)
        for (int i = 0; i < nr; i++)
            face(g, el, u, f, J, 2 * (k * nr + i), 2 * ((k + 1) * nr + i),
                 g->tt[k] * (g->rf[i + 1] - g->rf[i]), g->vol[i] * g->w[k],
                 g->vol[i] * g->w[k + 1]);
    /* Surface: the flux j_k leaves through area A_k; the wetting slope enters the Laplacian;
     * the rate law on the variational potential (eq. 16). */
    const double h = g->R - g->rc[nr - 1], rf = el->film_resistance;
    double total = 0.0;
    for (int k = 0; k < nt; k++) {
        int o = 2 * (k * nr + nr - 1), jr = jb + k;
        double A = g->area[k], V = g->vol[nr - 1] * g->w[k], jk = u[jr];
        double dU_dmu, dU_dj, dU_dc, cs = u[o] + el->wetting_slope * h;
        double U =
            upscale_ch_surface_potential(el, u[o], u[o + 1], jk, h, rt, F, &dU_dmu, &dU_dj, &dU_dc);
        double eta = phi - U - F * rf * jk;
        upscale_rate_params rp = rate_params(m, el, cs, U);
        rp.k *= g->aniso[k];
        rp.dk_dcs *= g->aniso[k];
        upscale_rate rl = {0};
        el->rate_law->eval(&rp, ce, cs, eta, &rl);
        if (!isfinite(rl.j) || !isfinite(rl.dj_deta)) return 1;
        double dj_dU = rl.dj_du - rl.dj_deta;
        total += A * jk;
        if (f) {
            f[o] += A * jk / V;
            f[o + 1] += el->kappa * A * el->wetting_slope / V;
            f[jr] = jk - rl.j;
        }
        if (!J) continue;
        add(J, o, jr, A / V);
        add(J, jr, jr, 1.0 - (dj_dU * dU_dj - rl.dj_deta * F * rf));
        add(J, jr, o, -(rl.dj_dcs + dj_dU * dU_dc));
        add(J, jr, o + 1, -dj_dU * dU_dmu);
        add(J, jr, UPSCALE_CH2D_PHI, -rl.dj_deta);
        add(J, jr, UPSCALE_CH2D_CE, -rl.dj_dce);
    }
    /* c_mean = sum c V / V_total */
    if (f) f[cb] = cbar - upscale_ch2d_content(g, u) / g->vtot;
    if (J) {
        add(J, cb, cb, 1.0);
        for (int k = 0; k < nt; k++)
            for (int i = 0; i < nr; i++)
                add(J, cb, 2 * (k * nr + i), -g->vol[i] * g->w[k] / g->vtot);
    }
    if (flux) *flux = total;
    return 0;
}

/* The cell's kernel: every node of a region with 2D particles. */

/* Jacobian entries of node ix's block into the cell's matrix. */
typedef struct {
    upscale_jac *J;
    int off, phis, phie, ce;
} cell_sink;

static void cell_add(void *ctx, int row, int col, double v)
{
    cell_sink *s = ctx;
    if (col == UPSCALE_CH2D_PHI) {
        upscale_jac_add(s->J, s->off + row, s->phis, v);
        upscale_jac_add(s->J, s->off + row, s->phie, -v);
    } else if (col == UPSCALE_CH2D_CE) {
        upscale_jac_add(s->J, s->off + row, s->ce, v);
    } else {
        upscale_jac_add(s->J, s->off + row, s->off + col, v);
    }
}

/* j - sum_k A_k j_k / A of node ix (every node: the electrode rows need it everywhere). */
static double mean_flux(const upscale_ch2d *p, const double *blk, int jb)
{
    double s = 0.0;
    for (int k = 0; k < p->nt; k++)
        s += p->area[k] * blk[jb + k];
    return s / p->atot;
}

static int residual(const upscale_model *m, double t, const double *y, const double *yp, double *r)
{
    const upscale_layout *L = m->layout;
    for (int ix = 0; ix < L->nx; ix++) {
        int g = L->region[ix], o = L->cs[ix];
        if (L->nt[g] == 0 || o < 0) continue;
        const upscale_ch2d *p = m->ch2d[g];
        r[L->j[ix]] = y[L->j[ix]] - mean_flux(p, y + o, upscale_layout_j2d(L, g, 0));
        if (ix < m->own_lo || ix >= m->own_hi) continue; /* another rank's particle */
        if (upscale_ch2d_assemble(p, m, node_electrode(m, ix), y + o, yp + o, 0.0,
                                  y[L->phis[ix]] - y[L->phie[ix]], y[L->ce[ix]], r + o, NULL, NULL))
            return 1;
    }
    return 0;
}

static void jacobian(const upscale_model *m, double t, double cj, const double *y, const double *yp,
                     upscale_jac *J)
{
    const upscale_layout *L = m->layout;
    for (int ix = 0; ix < L->nx; ix++) {
        int g = L->region[ix], o = L->cs[ix];
        if (L->nt[g] == 0 || o < 0) continue;
        const upscale_ch2d *p = m->ch2d[g];
        upscale_jac_add(J, L->j[ix], L->j[ix], 1.0);
        for (int k = 0; k < p->nt; k++)
            upscale_jac_add(J, L->j[ix], o + upscale_layout_j2d(L, g, k), -p->area[k] / p->atot);
        if (ix < m->own_lo || ix >= m->own_hi) continue;
        cell_sink cs = {J, o, L->phis[ix], L->phie[ix], L->ce[ix]};
        upscale_ch2d_sink sink = {cell_add, &cs};
        upscale_ch2d_assemble(p, m, node_electrode(m, ix), y + o, yp + o, cj,
                              y[L->phis[ix]] - y[L->phie[ix]], y[L->ce[ix]], NULL, &sink, NULL);
    }
}

const upscale_kernel upscale_kernel_particle_cahn_hilliard_2d = {"particle_cahn_hilliard_2d",
                                                                 residual, jacobian};

/* The rate-law registry: the exchange current on the variational potential (bazant2013,
 * docs/model.md eq. 19) reduces to the newman form for an ideal solution, where the activity
 * of the inserted species is a_R = s / (1 - s), U = U(1/2) - (RT/F) ln(s / (1 - s)); and it
 * vanishes at a full surface. */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "upscale/kinetics.h"

int main(void)
{
    const upscale_rate_law *bz = upscale_rate_law_find("bazant2013");
    const upscale_rate_law *nw = upscale_rate_law_find("newman");
    CHECK(bz && nw, "bazant2013 and newman are registered");
    if (!bz || !nw) return CHECK_DONE();
    const double F = 96485.33212, T = 400.0, f = F / (8.314462618 * T);
    const double cmax = 13000.0, c0 = 1000.0, k0 = 2.0, u0 = 3.4;
    for (int a = 0; a < 2; a++) {
        double aa = a ? 0.3 : 0.5;
        upscale_rate_params pb = {.k = k0,
                                  .cmax = cmax,
                                  .ce_ref = c0,
                                  .alpha_a = aa,
                                  .alpha_c = 1 - aa,
                                  .f_rt = f,
                                  .faraday = F,
                                  .u_ref = u0};
        /* newman's k (m^2.5 mol^-0.5 s^-1 for aa = 1/2) that gives the same exchange current */
        upscale_rate_params pn = pb;
        pn.k = k0 / (F * pow(c0, aa) * cmax);
        double worst = 0.0;
        for (int i = 1; i < 10; i++)
            for (int e = -2; e <= 2; e++) {
                double s = 0.1 * i, cs = s * cmax, ce = 800.0 + 100.0 * e, eta = 0.02 * e + 0.005;
                pb.u = u0 - log(s / (1 - s)) / f;
                upscale_rate rb, rn;
                bz->eval(&pb, ce, cs, eta, &rb);
                nw->eval(&pn, ce, cs, eta, &rn);
                worst = fmax(worst, fabs(rb.j - rn.j) / fabs(rn.j));
            }
        CHECK(worst < 1e-12,
              "alpha_a %.1f: ideal solution, bazant2013 equals newman with k = k0 / (F c0^aa "
              "c_max) (max relative difference %.1e)",
              aa, worst);
    }
    upscale_rate_params p = {.k = k0,
                             .cmax = cmax,
                             .ce_ref = c0,
                             .alpha_a = 0.5,
                             .alpha_c = 0.5,
                             .f_rt = f,
                             .faraday = F,
                             .u = u0,
                             .u_ref = u0};
    upscale_rate r;
    bz->eval(&p, c0, 0.5 * cmax, 0.01, &r);
    CHECK_CLOSE(r.dj_deta / f, k0 / 2 / F * cosh(0.5 * f * 0.01), 1e-12, 0,
                "half-full surface at U(1/2), c_e = c0: i0 = k0 / 2");
    bz->eval(&p, c0, cmax, 0.01, &r);
    CHECK(!isfinite(r.j), "a full surface has no room: the law refuses the state (j = %g)", r.j);
    return CHECK_DONE();
}

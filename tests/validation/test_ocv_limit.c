/* At C/100 the terminal voltage stays within 3 mV of the OCV difference at the same
 * (electrode-averaged) stoichiometries, between 2% and 98% of the delivered capacity
 * (the ends are where the OCP slopes are steepest and diffusion overpotentials the
 * largest).  Newman cell and Chayambuka cell. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "h5read.h"
#include "upscale/run.h"

static void check_case(const char *label, const char *path)
{
    char out[] = "/tmp/upscale_ocv_XXXXXX";
    int fd = mkstemp(out);
    if (fd >= 0) close(fd);
    const char *sets[] = {"protocol.0.c_rate=0.01", "output.fields=false"};
    upscale_run_options opt = {.case_path = path, .output_path = out, .overrides = sets,
                               .noverrides = 2};
    upscale_run_result res;
    upscale_err e = upscale_run(&opt, &res);
    CHECK(e == UPSCALE_OK && res.complete, "%s at C/100 runs to the cut-off (%s)", label,
          e ? upscale_error_message() : res.status);
    size_t n, n2, n3;
    double *cap = h5_vector(out, "/timeseries/capacity", &n);
    double *v = h5_vector(out, "/timeseries/voltage", &n2);
    double *ocv = h5_vector(out, "/timeseries/ocv", &n3);
    double worst = 0.0;
    for (size_t i = 0; cap && v && ocv && i < n; i++)
        if (cap[i] > 0.02 * cap[n - 1] && cap[i] < 0.98 * cap[n - 1])
            worst = fmax(worst, fabs(v[i] - ocv[i]));
    CHECK(n > 10 && worst < 3e-3, "%s: max |V - OCV| = %.3f mV < 3 mV over 2-98%% of %.3f Ah/m^2",
          label, 1e3 * worst, n ? cap[n - 1] : 0.0);
    free(cap), free(v), free(ocv);
    unlink(out);
}

int main(void)
{
    check_case("Newman cell", "cases/validation/newman_licoo2_graphite_1C.yaml");
    check_case("Chayambuka cell", "cases/validation/chayambuka2022_1A.yaml");
    return CHECK_DONE();
}

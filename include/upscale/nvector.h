/* Serial N_Vector for IDA with its operations compiled here.  Debian 12's SUNDIALS 6.4.1 is
 * built without optimisation (its vector loops run at about 20 instructions per element), and
 * IDA's own vector work was half the cost of a step; these are the same loops, element by
 * element in the same order (so the results are identical), compiled with the project's flags,
 * plus the fused operations IDA uses (linear combination, scale-add-multi, vector arrays). */
#ifndef UPSCALE_NVECTOR_H
#define UPSCALE_NVECTOR_H

#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>

/* A serial vector of length n whose clones share the fast operations; NULL if out of memory. */
N_Vector upscale_nvector_create(sunindextype n, SUNContext ctx);
/* Give vector v (a serial vector, e.g. from N_VMake_Serial) the fast operations. */
void upscale_nvector_set_ops(N_Vector v);

#endif

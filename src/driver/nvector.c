/* Serial N_Vector operations for IDA (upscale/nvector.h).  Each loop is the one of SUNDIALS'
 * nvector_serial.c (same arithmetic per element, same order), so switching changes no result. */
#include "upscale/nvector.h"

#include <math.h>

#define LEN(v) NV_LENGTH_S(v)
#define DATA(v) NV_DATA_S(v)

/* z = a x + b y */
static void linear_sum(sunrealtype a, N_Vector x, sunrealtype b, N_Vector y, N_Vector z)
{
    sunindextype n = LEN(x);
    const sunrealtype *xd = DATA(x), *yd = DATA(y);
    sunrealtype *zd = DATA(z);
    if (a == 1.0 && b == 1.0) {
        for (sunindextype i = 0; i < n; i++)
            zd[i] = xd[i] + yd[i];
    } else if (a == 1.0 && b == -1.0) {
        for (sunindextype i = 0; i < n; i++)
            zd[i] = xd[i] - yd[i];
    } else if (a == -1.0 && b == 1.0) {
        for (sunindextype i = 0; i < n; i++)
            zd[i] = yd[i] - xd[i];
    } else if (a == 1.0) {
        for (sunindextype i = 0; i < n; i++)
            zd[i] = xd[i] + b * yd[i];
    } else if (b == 1.0) {
        for (sunindextype i = 0; i < n; i++)
            zd[i] = a * xd[i] + yd[i];
    } else if (a == -1.0) {
        for (sunindextype i = 0; i < n; i++)
            zd[i] = b * yd[i] - xd[i];
    } else if (b == -1.0) {
        for (sunindextype i = 0; i < n; i++)
            zd[i] = a * xd[i] - yd[i];
    } else if (a == b) {
        for (sunindextype i = 0; i < n; i++)
            zd[i] = a * (xd[i] + yd[i]);
    } else if (a == -b) {
        for (sunindextype i = 0; i < n; i++)
            zd[i] = a * (xd[i] - yd[i]);
    } else {
        for (sunindextype i = 0; i < n; i++)
            zd[i] = a * xd[i] + b * yd[i];
    }
}

/* z = c */
static void constant(sunrealtype c, N_Vector z)
{
    sunindextype n = LEN(z);
    sunrealtype *zd = DATA(z);
    for (sunindextype i = 0; i < n; i++)
        zd[i] = c;
}

/* z = x y */
static void prod(N_Vector x, N_Vector y, N_Vector z)
{
    sunindextype n = LEN(x);
    const sunrealtype *xd = DATA(x), *yd = DATA(y);
    sunrealtype *zd = DATA(z);
    for (sunindextype i = 0; i < n; i++)
        zd[i] = xd[i] * yd[i];
}

/* z = x / y */
static void divide(N_Vector x, N_Vector y, N_Vector z)
{
    sunindextype n = LEN(x);
    const sunrealtype *xd = DATA(x), *yd = DATA(y);
    sunrealtype *zd = DATA(z);
    for (sunindextype i = 0; i < n; i++)
        zd[i] = xd[i] / yd[i];
}

/* z = c x */
static void scale(sunrealtype c, N_Vector x, N_Vector z)
{
    sunindextype n = LEN(x);
    const sunrealtype *xd = DATA(x);
    sunrealtype *zd = DATA(z);
    if (z == x) {
        for (sunindextype i = 0; i < n; i++)
            zd[i] *= c;
    } else if (c == 1.0) {
        for (sunindextype i = 0; i < n; i++)
            zd[i] = xd[i];
    } else if (c == -1.0) {
        for (sunindextype i = 0; i < n; i++)
            zd[i] = -xd[i];
    } else {
        for (sunindextype i = 0; i < n; i++)
            zd[i] = c * xd[i];
    }
}

/* z = |x| */
static void absolute(N_Vector x, N_Vector z)
{
    sunindextype n = LEN(x);
    const sunrealtype *xd = DATA(x);
    sunrealtype *zd = DATA(z);
    for (sunindextype i = 0; i < n; i++)
        zd[i] = fabs(xd[i]);
}

/* z = 1 / x */
static void inverse(N_Vector x, N_Vector z)
{
    sunindextype n = LEN(x);
    const sunrealtype *xd = DATA(x);
    sunrealtype *zd = DATA(z);
    for (sunindextype i = 0; i < n; i++)
        zd[i] = 1.0 / xd[i];
}

/* z = x + b */
static void add_const(N_Vector x, sunrealtype b, N_Vector z)
{
    sunindextype n = LEN(x);
    const sunrealtype *xd = DATA(x);
    sunrealtype *zd = DATA(z);
    for (sunindextype i = 0; i < n; i++)
        zd[i] = xd[i] + b;
}

/* max |x_i| */
static sunrealtype max_norm(N_Vector x)
{
    sunindextype n = LEN(x);
    const sunrealtype *xd = DATA(x);
    sunrealtype m = 0.0;
    for (sunindextype i = 0; i < n; i++)
        if (fabs(xd[i]) > m) m = fabs(xd[i]);
    return m;
}

/* sum (x_i w_i)^2 */
static sunrealtype wsqr_sum(N_Vector x, N_Vector w)
{
    sunindextype n = LEN(x);
    const sunrealtype *xd = DATA(x), *wd = DATA(w);
    sunrealtype sum = 0.0;
    for (sunindextype i = 0; i < n; i++) {
        sunrealtype p = xd[i] * wd[i];
        sum += p * p;
    }
    return sum;
}

/* sum over id_i > 0 of (x_i w_i)^2 */
static sunrealtype wsqr_sum_mask(N_Vector x, N_Vector w, N_Vector id)
{
    sunindextype n = LEN(x);
    const sunrealtype *xd = DATA(x), *wd = DATA(w), *idd = DATA(id);
    sunrealtype sum = 0.0;
    for (sunindextype i = 0; i < n; i++)
        if (idd[i] > 0.0) {
            sunrealtype p = xd[i] * wd[i];
            sum += p * p;
        }
    return sum;
}

/* sqrt(sum (x_i w_i)^2 / n) */
static sunrealtype wrms_norm(N_Vector x, N_Vector w)
{
    return sqrt(wsqr_sum(x, w) / LEN(x));
}

static sunrealtype wrms_norm_mask(N_Vector x, N_Vector w, N_Vector id)
{
    return sqrt(wsqr_sum_mask(x, w, id) / LEN(x));
}

/* z = sum_i c_i X_i */
static int linear_combination(int nvec, sunrealtype *c, N_Vector *X, N_Vector z)
{
    if (nvec == 1) {
        scale(c[0], X[0], z);
        return 0;
    }
    if (nvec == 2) {
        linear_sum(c[0], X[0], c[1], X[1], z);
        return 0;
    }
    sunindextype n = LEN(z);
    sunrealtype *zd = DATA(z);
    int first = 1;
    if (X[0] == z && c[0] == 1.0) {
        first = 1;
    } else if (X[0] == z) {
        for (sunindextype j = 0; j < n; j++)
            zd[j] *= c[0];
    } else {
        const sunrealtype *xd = DATA(X[0]);
        for (sunindextype j = 0; j < n; j++)
            zd[j] = c[0] * xd[j];
    }
    for (int i = first; i < nvec; i++) {
        const sunrealtype *xd = DATA(X[i]);
        for (sunindextype j = 0; j < n; j++)
            zd[j] += c[i] * xd[j];
    }
    return 0;
}

/* Z_i = a_i x + Y_i */
static int scale_add_multi(int nvec, sunrealtype *a, N_Vector x, N_Vector *Y, N_Vector *Z)
{
    if (nvec == 1) {
        linear_sum(a[0], x, 1.0, Y[0], Z[0]);
        return 0;
    }
    sunindextype n = LEN(x);
    const sunrealtype *xd = DATA(x);
    for (int i = 0; i < nvec; i++) {
        const sunrealtype *yd = DATA(Y[i]);
        sunrealtype *zd = DATA(Z[i]);
        if (Y == Z)
            for (sunindextype j = 0; j < n; j++)
                zd[j] += a[i] * xd[j];
        else
            for (sunindextype j = 0; j < n; j++)
                zd[j] = a[i] * xd[j] + yd[j];
    }
    return 0;
}

/* Z_i = a X_i + b Y_i */
static int linear_sum_array(int nvec, sunrealtype a, N_Vector *X, sunrealtype b, N_Vector *Y,
                            N_Vector *Z)
{
    for (int i = 0; i < nvec; i++)
        linear_sum(a, X[i], b, Y[i], Z[i]);
    return 0;
}

/* Z_i = c_i X_i */
static int scale_array(int nvec, sunrealtype *c, N_Vector *X, N_Vector *Z)
{
    for (int i = 0; i < nvec; i++)
        scale(c[i], X[i], Z[i]);
    return 0;
}

static int const_array(int nvec, sunrealtype c, N_Vector *Z)
{
    for (int i = 0; i < nvec; i++)
        constant(c, Z[i]);
    return 0;
}

void upscale_nvector_set_ops(N_Vector v)
{
    struct _generic_N_Vector_Ops *o = v->ops;
    o->nvlinearsum = linear_sum;
    o->nvconst = constant;
    o->nvprod = prod;
    o->nvdiv = divide;
    o->nvscale = scale;
    o->nvabs = absolute;
    o->nvinv = inverse;
    o->nvaddconst = add_const;
    o->nvmaxnorm = max_norm;
    o->nvwrmsnorm = wrms_norm;
    o->nvwrmsnormmask = wrms_norm_mask;
    o->nvwsqrsumlocal = wsqr_sum;
    o->nvwsqrsummasklocal = wsqr_sum_mask;
    o->nvlinearcombination = linear_combination;
    o->nvscaleaddmulti = scale_add_multi;
    o->nvlinearsumvectorarray = linear_sum_array;
    o->nvscalevectorarray = scale_array;
    o->nvconstvectorarray = const_array;
}

N_Vector upscale_nvector_create(sunindextype n, SUNContext ctx)
{
    N_Vector v = N_VNew_Serial(n, ctx);
    if (v) upscale_nvector_set_ops(v);
    return v;
}

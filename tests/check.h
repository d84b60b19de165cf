/* One line per check, in the spirit of GSL's gsl_test: each check prints PASS/FAIL with a
 * description and the numbers; the test's exit status is the number of failures. */
#ifndef UPSCALE_TESTS_CHECK_H
#define UPSCALE_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_failures;

/* Passes when cond holds. */
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        int ok_ = (cond);                                                                          \
        if (!ok_) check_failures++;                                                                \
        printf("%s: ", ok_ ? "PASS" : "FAIL");                                                     \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
    } while (0)

/* |got - want| <= tol_abs + tol_rel |want|, both values printed. */
#define CHECK_CLOSE(got, want, tol_rel, tol_abs, desc)                                             \
    do {                                                                                           \
        double g_ = (got), w_ = (want);                                                            \
        CHECK(isfinite(g_) && fabs(g_ - w_) <= (tol_abs) + (tol_rel)*fabs(w_),                     \
              "%s: got %.10g, want %.10g (|diff| %.3g)", (desc), g_, w_, fabs(g_ - w_));           \
    } while (0)

/* The function call returns UPSCALE_OK. */
#define CHECK_OK(expr)                                                                             \
    do {                                                                                           \
        upscale_err e_ = (expr);                                                                   \
        CHECK(e_ == UPSCALE_OK, "%s returns OK%s%s", #expr, e_ ? ": " : "",                        \
              e_ ? upscale_error_message() : "");                                                  \
    } while (0)

#define CHECK_DONE() (check_failures > 0 ? 1 : 0)

#endif

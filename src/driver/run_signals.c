/* SIGINT and SIGTERM during a run (upscale/run.h): the handler only records the signal; the
 * driver looks at it between time steps.  Apart from run.c because <signal.h> defines
 * si_value, a field name of upscale_params_entry (so upscale/run.h comes first here). */
#include "upscale/run.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
    caught = sig;
}

void upscale_run_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART | SA_RESETHAND; /* a second signal: the default action */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int upscale_run_interrupted(void)
{
    return caught;
}

const char *upscale_run_signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

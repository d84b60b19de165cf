/* The cycling protocol: a list of steps read from the case, run by the driver as a state
 * machine (the residual only sees what is held and its setpoint).
 *
 *   protocol:
 *     - mode: discharge          # discharge | charge (constant current), cv, rest, gitt
 *       current: 24 A/m^2        # or c_rate: 1 (C from the theoretical capacity)
 *       voltage_cutoff: 3.0 V    # optional: stop when V falls (discharge) / rises (charge) to it
 *       capacity_limit: 20 Ah/m^2  # optional: stop after this much charge in the step
 *       duration: 2 h            # optional: stop after this time
 *     - mode: cv
 *       voltage: 4.2 V
 *       current_cutoff: 1 A/m^2  # stop when |I| falls to it
 *     - mode: rest
 *       duration: 1 h
 *     - mode: gitt               # pulses: current for pulse_duration, then rest_duration
 *       current: 2 A/m^2         # (or c_rate; sign from direction: discharge|charge)
 *       direction: discharge
 *       pulses: 20
 *       pulse_duration: 10 min
 *       rest_duration: 1 h
 *       voltage_cutoff: 3.0 V    # ends the whole GITT sequence
 * A voltage cut-off reached in a constant-current step ends that step; the protocol
 * continues with the next step. */
#ifndef UPSCALE_PROTOCOL_H
#define UPSCALE_PROTOCOL_H

#include "upscale/error.h"
#include "upscale/model.h"
#include "upscale/params.h"

/* Longest duration a step may have (about 317 years).  A rest to 1e17 s takes ~120 steps,
 * but beyond that the step size stops growing with t: Newton fails whenever a step exceeds
 * ~2e-5 t (a rest to 1e20 s took 57884 steps, 28910 Newton failures), so 1e300 s never ends. */
#define UPSCALE_PROTOCOL_MAX_DURATION 1e10

typedef enum { UPSCALE_STEP_CC, UPSCALE_STEP_CV, UPSCALE_STEP_REST } upscale_step_kind;

typedef struct {
    upscale_step_kind kind;
    double current;        /* CC: A/m^2, > 0 discharge */
    double voltage;        /* CV: V */
    double duration;       /* s, INFINITY if none */
    double voltage_cutoff; /* V, NAN if none; crossing direction from the current's sign */
    double current_cutoff; /* CV: A/m^2 (magnitude), NAN if none */
    double capacity_limit; /* C/m^2, NAN if none */
    int group;             /* index of the protocol entry it came from */
    int ends_group;        /* a voltage cut-off here skips the rest of the group (GITT) */
} upscale_step;

typedef struct {
    upscale_step *steps;
    int n;
    double c_rate_capacity; /* C/m^2 that 1C delivers in one hour */
} upscale_protocol;

upscale_err upscale_protocol_read(upscale_params *p, const upscale_model *m,
                                  upscale_protocol *proto);
void upscale_protocol_free(upscale_protocol *proto);

#endif

/* Sodium/lithium inventory (solid + electrolyte) over full discharges and a
 * discharge-rest-charge protocol: conserved to 1e-9 relative.  The BDF integrator
 * preserves the linear invariant exactly when the finite volumes balance exactly
 * (docs/numerics.md), so the drift is round-off.  In single-particle mode the bath supplies
 * the sodium and the balance checked is the particle's own. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "upscale/run.h"

static void check_case(const char *label, const char *path, const char *const *sets, int nsets)
{
    upscale_run_options opt = {.case_path = path, .overrides = sets, .noverrides = nsets};
    upscale_run_result res;
    upscale_err e = upscale_run(&opt, &res);
    CHECK(e == UPSCALE_OK && res.complete, "%s runs to the end (%s)", label,
          e ? upscale_error_message() : res.status);
    CHECK(fabs(res.inventory_drift) < 1e-9,
          "%s: inventory drift %.2e < 1e-9 (capacity %.4f Ah/m^2)", label, res.inventory_drift,
          res.capacity);
}

int main(void)
{
    check_case("Newman cell, 1C discharge to 3.0 V",
               "cases/validation/newman_licoo2_graphite_1C.yaml", NULL, 0);
    check_case("Chayambuka cell, 5 A/m^2 discharge to 2.0 V",
               "cases/validation/chayambuka2022_5A.yaml", NULL, 0);
    static const char *const cycle[] = {"protocol.0.mode=discharge",
                                        "protocol.0.c_rate=2",
                                        "protocol.0.voltage_cutoff=3.2 V",
                                        "protocol.1.mode=rest",
                                        "protocol.1.duration=30 min",
                                        "protocol.2.mode=charge",
                                        "protocol.2.c_rate=1",
                                        "protocol.2.voltage_cutoff=4.1 V",
                                        "protocol.3.mode=cv",
                                        "protocol.3.voltage=4.1 V",
                                        "protocol.3.current_cutoff=1 A/m^2"};
    check_case("Newman cell, 2C discharge, rest, 1C charge, CV",
               "cases/validation/newman_licoo2_graphite_1C.yaml", cycle, 11);
    /* A thin positive electrode fills before the cut-off: the step ends on the saturation
     * stop (a particle surface within 1e-4 of full), complete, with a note. */
    static const char *const thin[] = {"positive.thickness=20 um", "protocol.0.c_rate=1",
                                       "output.fields=false"};
    upscale_run_options opt = {
        .case_path = "cases/validation/chayambuka2022_5A.yaml", .overrides = thin, .noverrides = 3};
    upscale_run_result res;
    upscale_err e = upscale_run(&opt, &res);
    CHECK(e == UPSCALE_OK && res.complete && strstr(res.notes, "particle saturation"),
          "thin positive electrode: complete, ended by saturation (%s; %s)",
          e ? upscale_error_message() : res.status, res.notes);
    CHECK(fabs(res.inventory_drift) < 1e-9, "thin positive electrode: inventory drift %.2e",
          res.inventory_drift);
    check_case("graphite | Cahn-Hilliard regular solution, C/2 charge and rest",
               "tests/cases/ch_full_cell.yaml", NULL, 0);
    /* Cylindrical particles (rods reacting on their side) in both kinds of particle. */
    static const char *const rods[] = {"negative.particle_shape=cylinder",
                                       "positive.particle_shape=cylinder"};
    check_case("Newman cell with cylindrical particles, 1C discharge to 3.0 V",
               "cases/validation/newman_licoo2_graphite_1C.yaml", rods, 2);
    check_case("graphite | Cahn-Hilliard rods, C/2 charge and rest",
               "tests/cases/ch_full_cell.yaml", rods, 2);
    /* Spectral particles (particle_fick_spectral.c): the Galerkin form's content balance is
     * exact, so the drift stays round-off; in spheres, rods and with a tabulated D(c), and
     * through the saturation stop of the thin positive electrode. */
    static const char *const spec[] = {"numerics.particle_discretisation.negative=spectral",
                                       "numerics.particle_discretisation.positive=spectral",
                                       "numerics.shells.negative=5",
                                       "numerics.shells.positive=4",
                                       "negative.particle_shape=cylinder",
                                       "positive.particle_shape=cylinder"};
    const char *spec_cycle[15];
    for (int i = 0; i < 11; i++)
        spec_cycle[i] = cycle[i];
    for (int i = 0; i < 4; i++)
        spec_cycle[11 + i] = spec[i];
    check_case("Newman cell, spectral particles, 2C discharge, rest, 1C charge, CV",
               "cases/validation/newman_licoo2_graphite_1C.yaml", spec_cycle, 15);
    check_case("Newman cell, spectral rods, 1C discharge to 3.0 V",
               "cases/validation/newman_licoo2_graphite_1C.yaml", spec, 6);
    check_case("Chayambuka cell, spectral particles with D(c), 5 A/m^2 discharge to 2.0 V",
               "cases/validation/chayambuka2022_5A.yaml", spec, 4);
    static const char *const thin_spec[] = {"positive.thickness=20 um", "protocol.0.c_rate=1",
                                            "output.fields=false",
                                            "numerics.particle_discretisation.negative=spectral",
                                            "numerics.particle_discretisation.positive=spectral"};
    opt.overrides = thin_spec;
    opt.noverrides = 5;
    e = upscale_run(&opt, &res);
    CHECK(e == UPSCALE_OK && res.complete && strstr(res.notes, "particle saturation"),
          "thin positive electrode, spectral: complete, ended by saturation (%s; %s)",
          e ? upscale_error_message() : res.status, res.notes);
    CHECK(fabs(res.inventory_drift) < 1e-9,
          "thin positive electrode, spectral: inventory drift %.2e", res.inventory_drift);
    /* Single particle in an ideal bath: the bath supplies the sodium, so the balance is the
     * particle's own (content change against the integrated surface flux), written as
     * /solver/particle_balance_drift; a charge, rest and partial discharge. */
    static const char *const sp[] = {"protocol.1.mode=rest", "protocol.1.duration=10 min",
                                     "protocol.2.mode=discharge", "protocol.2.c_rate=1",
                                     "protocol.2.duration=20 min"};
    char path[] = "/tmp/upscale_sp_balance_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "temporary output file");
    close(fd);
    upscale_run_options so = {.case_path = "tests/cases/single_particle_ch.yaml",
                              .output_path = path,
                              .overrides = sp,
                              .noverrides = 5};
    e = upscale_run(&so, &res);
    CHECK(e == UPSCALE_OK && res.complete, "single particle, charge-rest-discharge, complete (%s)",
          e ? upscale_error_message() : res.status);
    /* The particle exchanged most of its content with the bath (c0 = 0.95 c_max, eps_s 0.7,
     * L 50 um): a balance over solid + bath would be off by O(1). */
    double content0 = 0.7 * 50e-6 * 0.95 * 50000.0;
    CHECK(res.capacity * 3600.0 / 96485.33212 > 0.5 * content0,
          "single particle: charge passed %.3g mol/m^2 > half the initial content %.3g",
          res.capacity * 3600.0 / 96485.33212, content0);
    CHECK(fabs(res.inventory_drift) < 1e-9, "single particle: particle balance drift %.2e < 1e-9",
          res.inventory_drift);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(f >= 0 && H5Aexists_by_name(f, "/solver", "particle_balance_drift", H5P_DEFAULT) > 0 &&
              H5Aexists_by_name(f, "/solver", "inventory_drift", H5P_DEFAULT) == 0,
          "single particle: /solver/particle_balance_drift written, no inventory_drift");
    if (f >= 0) H5Fclose(f);
    remove(path);
    return CHECK_DONE();
}

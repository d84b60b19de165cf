#!/usr/bin/python3
"""2D (r, theta) phase-field particles in the cell (positive.particle_dimension: 2 in a full
cell, src/cell/residual/particle_cahn_hilliard_2d.c), through `upscale run`.

usage: /usr/bin/python3 tests/cell2d/test_cell2d.py PATH/TO/upscale

1. Reduces to the 1D cell: the MnFePBA | hard carbon 0.1C charge (cases/pba_hc_charge_0.1C.yaml
   on a coarse grid, 8 positive cells x 30 shells, rtol 1e-6) with 2D particles of 4 polar cells
   and no anisotropy gives the 1D run's voltage within 1 mV over 0.2-9.5 Ah/m^2 and its
   capacity within 1e-4; every surface stays uniform in theta; the theta-mean concentration map
   equals the 1D one within 1e-3 c_max on average; the sodium inventory is conserved to round-off; the 2D
   fields carry units and the mesh's shape.
2. The discharge the 1D cell cannot do (paper, end of III.F): the same cell in its charged state
   (tests/cases/pba_hc_discharge_coarse.yaml, 2 positive cells x 30 shells) discharged at the
   charge's 0.1C to 2.5 V.  With 1D particles the sodium-rich phase covers every surface and the
   discharge stops at the cut-off with less than 40% of the charge's 10.36 Ah/m^2; with 2D
   particles whose exchange current depends on orientation (a = 0.5; 64 polar cells, two per
   interface width along the surface, as numerics.polar_cells requires) it delivers at least 1.4
   times as much, both phases touching the electrolyte on one particle (a surface cell below the
   lower spinodal and one above the upper spinodal) at some snapshot.
3. Bad input: a polar mesh too coarse for the interface along the surface (8 polar cells with
   a = 0.5, where 63 are needed) gives exit 2, one line naming the key, and no file.
"""
import os
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pycheck  # noqa: E402
from pycheck import check  # noqa: E402

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHARGE = os.path.join(SRC, "cases", "pba_hc_charge_0.1C.yaml")
DISCHARGE = os.path.join(SRC, "tests", "cases", "pba_hc_discharge_coarse.yaml")
COARSE = ["numerics.cells.negative=5", "numerics.cells.separator=3", "numerics.cells.positive=8",
          "numerics.shells.positive=30", "numerics.rtol=1e-6"]
TWO_D = ["positive.particle_dimension=2", "numerics.polar_cells.positive=4"]
SHELLS = ["numerics.cells.positive=2", "numerics.shells.positive=30"]
Q_CHARGE = 10.36  # Ah/m^2, the 0.1C charge of the paper cell


def run(upscale, case, out, sets):
    args = [upscale, "run", case, "-o", out, "--force", "-q"]
    for s in sets:
        args += ["--set", s]
    status, _, err = pycheck.run(*args)
    check(f"{os.path.basename(out)}: exit status 0", status == 0, f"status {status}: {err.strip()}")
    return h5py.File(out, "r") if os.path.exists(out) else None


def curve(f):
    return f["/timeseries/capacity"][:], f["/timeseries/voltage"][:]


def reduction(upscale, tmp):
    f1 = run(upscale, CHARGE, os.path.join(tmp, "charge_1d.h5"), COARSE)
    f2 = run(upscale, CHARGE, os.path.join(tmp, "charge_2d.h5"), COARSE + TWO_D)
    if not f1 or not f2:
        return
    q1, v1 = curve(f1)
    q2, v2 = curve(f2)
    q = np.linspace(0.2, 9.5, 2000)
    dv = np.abs(np.interp(q, q1, v1) - np.interp(q, q2, v2))
    check("a = 0: the 2D cell's voltage within 1 mV of the 1D cell's (0.2-9.5 Ah/m^2)",
          dv.max() < 1e-3, f"mean {1e3 * dv.mean():.4f} mV, max {1e3 * dv.max():.3f} mV")
    check("a = 0: the same capacity (1e-4)", abs(q1[-1] - q2[-1]) < 1e-4 * q1[-1],
          f"{q1[-1]:.6f} and {q2[-1]:.6f} Ah/m^2")
    for f, name in ((f1, "1D"), (f2, "2D")):
        drift = f["/solver"].attrs["inventory_drift"]
        check(f"{name}: sodium inventory conserved", abs(drift) < 1e-12, f"drift {drift:.2e}")
    c2 = f2["/fields/particle2d_concentration_positive"]
    ns = len(f2["/fields/time"])
    check("2D fields: [snapshot][node][theta][r] with units",
          c2.shape == (ns, 8, 4, 30) and c2.attrs.get("units") == "mol/m^3",
          f"shape {c2.shape}, units {c2.attrs.get('units')}")
    j2 = f2["/fields/particle2d_surface_flux_positive"]
    check("2D surface flux: [snapshot][node][theta] with units",
          j2.shape == (ns, 8, 4) and j2.attrs.get("units") == "mol/m^2/s", f"shape {j2.shape}")
    th = f2["/mesh/theta_positive"][:]
    check("theta mesh: 4 cell centres in (0, pi), in rad",
          len(th) == 4 and 0 < th[0] < th[-1] < np.pi
          and f2["/mesh/theta_positive"].attrs.get("units") == "rad")
    cm = f2["/derived/positive"].attrs["max_concentration"]
    c = c2[:]
    spread = (c[:, :, :, -1].max(2) - c[:, :, :, -1].min(2)).max()
    check("a = 0: every surface uniform in theta", spread < 1e-6 * cm, f"spread {spread:.2e} mol/m^3")
    # the theta-mean map against the 1D one at the common snapshot times
    t1, t2 = f1["/fields/time"][:], f2["/fields/time"][:]
    n = min(len(t1), len(t2))
    m1 = f1["/fields/particle_concentration_positive"][:n]
    m2 = f2["/fields/particle_concentration_positive"][:n]
    same_t = np.allclose(t1[:n], t2[:n])
    # (snapshots are interpolated from the steps either side: where a sharp interface passes
    # a shell between them the two runs' values differ locally, so the mean is compared)
    d = np.abs(m1 - m2)
    check("a = 0: the theta-mean concentration map equals the 1D one (mean 1e-3 c_max)",
          same_t and d.mean() < 1e-3 * cm,
          f"mean {d.mean() / cm:.2e}, max {d.max() / cm:.2e} of c_max over {n} snapshots")


def discharge(upscale, tmp):
    f1 = run(upscale, DISCHARGE, os.path.join(tmp, "discharge_1d.h5"), SHELLS)
    f2 = run(upscale, DISCHARGE, os.path.join(tmp, "discharge_2d.h5"),
             SHELLS + ["positive.particle_dimension=2", "numerics.polar_cells.positive=64",
                       "positive.exchange_anisotropy=0.5"])
    if not f1 or not f2:
        return
    for f, name in ((f1, "1D"), (f2, "2D")):
        v = f["/timeseries/voltage"][-1]
        check(f"{name} discharge ends at the 2.5 V cut-off, complete",
              f.attrs.get("status") == "complete" and abs(v - 2.5) < 1e-3,
              f"status {f.attrs.get('status')}, final {v:.4f} V")
        drift = f["/solver"].attrs["inventory_drift"]
        check(f"{name} discharge: sodium inventory conserved", abs(drift) < 1e-12,
              f"drift {drift:.2e}")
    q1, q2 = f1["/timeseries/capacity"][-1], f2["/timeseries/capacity"][-1]
    check("1D particles stall: less than 40% of the charge capacity", q1 < 0.4 * Q_CHARGE,
          f"{q1:.3f} Ah/m^2, {100 * q1 / Q_CHARGE:.1f}%")
    check("2D particles (a = 0.5) deliver at least 1.4 times as much", q2 > 1.4 * q1,
          f"{q2:.3f} Ah/m^2, {100 * q2 / Q_CHARGE:.1f}%, {q2 / q1:.2f} times")
    d = f2["/derived/positive"].attrs
    s = f2["/fields/particle2d_concentration_positive"][:, :, :, -1]
    both = (s.min(2) < d["spinodal_low"]) & (s.max(2) > d["spinodal_high"])
    check("2D: both phases at one particle's surface (below the lower and above the upper "
          "spinodal)", both.any(), f"{int(both.sum())} of {both.size} snapshot x node pairs")


def coarse_polar_mesh(upscale, tmp):
    out = os.path.join(tmp, "coarse_theta.h5")
    args = [upscale, "run", DISCHARGE, "-o", out, "--set", "positive.particle_dimension=2",
            "--set", "numerics.polar_cells.positive=8", "--set", "positive.exchange_anisotropy=0.5"]
    status, _, err = pycheck.run(*args)
    lines = err.strip().splitlines()
    check("a polar mesh that cannot hold the interface (8 cells, a = 0.5): exit 2, one line "
          "naming numerics.polar_cells.positive and the cells needed, no file",
          status == 2 and len(lines) == 1 and "numerics.polar_cells.positive" in err
          and "63 or more" in err and not os.path.exists(out), f"status {status}: {err.strip()}")


def main():
    upscale = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        coarse_polar_mesh(upscale, tmp)
        reduction(upscale, tmp)
        discharge(upscale, tmp)
    return pycheck.failures


if __name__ == "__main__":
    sys.exit(main())

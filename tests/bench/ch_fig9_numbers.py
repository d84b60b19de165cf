#!/usr/bin/python3
"""The numbers of the Fig. 9 comparison (docs/validation.md) from one output file each.

usage: ch_fig9_numbers.py OUT.h5 [OUT.h5 ...]

Each OUT.h5 is `upscale run cases/pba_hc_charge_*.yaml` (fields on).  x is the sodium content
per formula unit, 2 c / c_max (two sites per formula unit), c_max from /derived/positive.
Printed per file, as one Markdown row each:
  - surge: the highest voltage within the first 1.5 Ah/m^2, and where;
  - the voltage at 95% of the final capacity (before the final rise);
  - the capacity at the end;
  - first nucleation: the first snapshot at which the outer shell of the particles next to the
    separator is below x = 0.1; and the same for every 5th node toward the collector;
  - heterogeneity at mid-charge (the snapshot nearest half the run): the standard deviation over
    depth of the particle-mean x, and the mean over depth of the volume-weighted standard
    deviation of x within a particle;
  - the sodium-poor surface: the median, over the snapshots from the first nucleation to 90% of
    the run, of the outer-shell x of the nodes whose outer shell is below 0.1;
  - steps and wall time from /solver.
"""
import sys

import h5py
import numpy as np


def numbers(path):
    with h5py.File(path, "r") as h:
        q = h["timeseries/capacity"][:]
        v = h["timeseries/voltage"][:]
        t = h["fields/time"][:]
        c = h["fields/particle_concentration_positive"][:]
        rf = h["mesh/r_faces_positive"][:]
        cmax = float(h["derived/positive"].attrs["max_concentration"])
        sa = h["solver"].attrs
        steps, wall = int(sa["steps"]), float(sa["wall_time"])
        status = h.attrs["status"]
        status = status.decode() if isinstance(status, bytes) else str(status)
    x = 2.0 * c / cmax  # [snapshot, node, shell]
    vol = rf[1:] ** 3 - rf[:-1] ** 3
    w = vol / vol.sum()
    early = q <= 1.5
    i = int(np.argmax(np.where(early, v, -np.inf)))
    v95 = float(np.interp(0.95 * q[-1], q, v))
    surf = x[:, :, -1]
    nuc = []
    for node in list(range(0, x.shape[1], 5)) + [x.shape[1] - 1]:
        k = np.nonzero(surf[:, node] < 0.1)[0]
        nuc.append(t[k[0]] if len(k) else np.nan)
    mid = int(np.argmin(np.abs(t - 0.5 * t[-1])))
    mean = (x[mid] * w).sum(axis=1)
    within = np.sqrt(((x[mid] - mean[:, None]) ** 2 * w).sum(axis=1))
    window = (t >= nuc[0]) & (t <= 0.9 * t[-1])
    poor = surf[window][surf[window] < 0.1]
    return {"status": status.split(":")[0], "surge": v[i], "q_surge": q[i], "v95": v95,
            "q": q[-1], "nuc": nuc, "het": (mean.std(), within.mean()),
            "poor": float(np.median(poor)) if len(poor) else np.nan, "steps": steps, "wall": wall}


def main():
    print("| file | status | surge | V at 95% | capacity | nucleation times (every 5th node, "
          "and the last) | heterogeneity depth / particle | sodium-poor surface x | steps | "
          "wall |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for path in sys.argv[1:]:
        n = numbers(path)
        print("| %s | %s | %.3f V at %.2f Ah/m^2 | %.3f V | %.3f Ah/m^2 | %s s | %.2f / %.2f | "
              "%.4f | %d | %.1f s |" % (
                  path, n["status"], n["surge"], n["q_surge"], n["v95"], n["q"],
                  ", ".join("%.0f" % s for s in n["nuc"]), n["het"][0], n["het"][1], n["poor"],
                  n["steps"], n["wall"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Mesh convergence of a phase-field particle with a per-phase mobility (issue 11, item 2).

usage: test_ch_particle_mesh.py UPSCALE CASE

CASE is one MnFePBA particle in an ideal bath charged at 0.1C (tests/bench/pba_single_particle.yaml):
a sodium-poor shell nucleates at the surface and grows into a sodium-rich core whose mobility is
3e4 times smaller.  The voltage is compared over 2-98% of the charge at 50, 100, 200 and 400
uniform shells (rtol 1e-6, so the time error is far below the mesh error).  Asserted:
  - every run completes with the same capacity (10.36 Ah/m^2 to 1e-4);
  - successive differences shrink at an observed order >= 1.6 between 50-100-200 shells
    (second order; the arithmetic face mean of M, used before 2026-12-07, gives 1.43);
  - 100 shells are within 0.8 mV (mean) of 400 shells (geometric face mean: 0.55 mV;
    arithmetic: 1.41 mV).
"""
import math
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pycheck  # noqa: E402
from pycheck import check  # noqa: E402


def run(exe, case, shells, out):
    p = subprocess.run([exe, "run", case, "-o", out, "-q", "--set",
                        "numerics.shells.positive=%d" % shells, "--set", "numerics.rtol=1e-6",
                        "--set", "output.fields=false"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stderr)
        return None
    with h5py.File(out, "r") as h:
        status = h.attrs["status"]
        status = status.decode() if isinstance(status, bytes) else str(status)
        return {"q": h["timeseries/capacity"][:], "v": h["timeseries/voltage"][:],
                "status": status, "steps": int(h["solver"].attrs["steps"])}


def mean_dv(a, b):
    top = min(a["q"][-1], b["q"][-1])
    qq = np.linspace(0.02 * top, 0.98 * top, 4000)
    return 1e3 * np.mean(np.abs(np.interp(qq, a["q"], a["v"]) - np.interp(qq, b["q"], b["v"])))


def main():
    exe, case = sys.argv[1], sys.argv[2]
    levels = [50, 100, 200, 400]
    with tempfile.TemporaryDirectory() as d:
        runs = [run(exe, case, n, os.path.join(d, "s%d.h5" % n)) for n in levels]
    check("all levels complete", all(r is not None and r["status"] == "complete" for r in runs))
    if pycheck.failures:
        return 1
    q0 = runs[-1]["q"][-1]
    for n, r in zip(levels, runs):
        print("  %3d shells: %5d steps, capacity %.5f Ah/m^2" % (n, r["steps"], r["q"][-1]))
    check("same capacity at every level", all(abs(r["q"][-1] - q0) < 1e-4 * q0 for r in runs))
    d = [mean_dv(runs[i], runs[i + 1]) for i in range(len(runs) - 1)]
    print("  mean |dV| between levels: " + ", ".join("%.3f mV" % x for x in d))
    order = math.log2(d[0] / d[1])
    check("differences shrink with refinement", d[0] > d[1] > d[2])
    check("observed order %.2f >= 1.6 (50-100-200 shells)" % order, order >= 1.6)
    e100 = mean_dv(runs[1], runs[3])
    check("100 shells within %.3f mV <= 0.8 mV of 400 shells" % e100, e100 <= 0.8)
    print("%d failed" % pycheck.failures)
    return 1 if pycheck.failures else 0


if __name__ == "__main__":
    sys.exit(main())

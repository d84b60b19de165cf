#!/usr/bin/python3
"""Grid- and tolerance-convergence study of a discharge case (a benchmark, not a test).

usage: convergence.py UPSCALE CASE [--capacities 5,10,15,20] [--levels 4] [--also CxS]...
                      [--variant key=value,key=value]...

Runs CASE with the grid scaled by 1, 2, 4, ... (x cells per region and particle shells
doubled together) at the case's own tolerance, and at the finest grid with tighter
tolerances; prints the voltage at the chosen capacities and the capacity at the cut-off
for each run, how far each moves when the grid doubles, and the wall time.  The finest,
tightest run is the reference ("converged answer").  Output is a Markdown table.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
from scipy.interpolate import PchipInterpolator


def voltage_at(q, cap, v):
    """V at capacity q: monotone cubic (PCHIP) through the accepted steps.  Linear
    interpolation is off by up to 0.4 mV where the curve bends between two long steps,
    as large as the differences this table measures."""
    if not q < cap[-1]:
        return np.nan
    c, i = np.unique(cap[::-1], return_index=True)  # the last row of a repeated capacity
    return float(PchipInterpolator(c, v[::-1][i])(q))


def run(exe, case, sets, out):
    cmd = [exe, "run", case, "-o", out, "-q"]
    for s in sets:
        cmd += ["--set", s]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        return None, wall, p.stderr.strip()
    with h5py.File(out, "r") as h:
        cap = h["timeseries/capacity"][:]
        v = h["timeseries/voltage"][:]
        steps = int(h["solver"].attrs["steps"])
    return (cap, v, steps), wall, ""


def grid_sets(base, factor, shell_factor=None):
    sf = factor if shell_factor is None else shell_factor
    return ["numerics.cells.%s=%d" % (r, base["cells." + r] * factor) for r in ("negative", "separator", "positive")] + \
           ["numerics.shells.%s=%d" % (r, base["shells." + r] * sf) for r in ("negative", "positive")]


def read_base(exe, case):
    """Default numerics of the case, from its output /parameters table."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "p.h5")
        r, _, err = run(exe, case, ["protocol.0.duration=1s"], out)
        if r is None:
            sys.exit("cannot run %s: %s" % (case, err))
        with h5py.File(out, "r") as h:
            keys = [k.decode() if isinstance(k, bytes) else k for k in h["parameters/key"][:]]
            text = [t.decode() if isinstance(t, bytes) else t for t in h["parameters/value"][:]]
    p = dict(zip(keys, text))
    base = {}
    for k in ("cells.negative", "cells.separator", "cells.positive", "shells.negative", "shells.positive"):
        base[k] = int(float(p["numerics." + k]))
    return base, float(p["numerics.rtol"].split()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("upscale")
    ap.add_argument("case")
    ap.add_argument("--capacities", default="5,10,15,20")
    ap.add_argument("--levels", type=int, default=4)
    ap.add_argument("--also", action="append", default=[], metavar="CxS",
                    help="also run cells x C and shells x S at the case tolerance (e.g. 8x4), "
                         "as extra rows after the table's own")
    ap.add_argument("--variant", action="append", default=[], metavar="SETS",
                    help="also run the case with these comma-separated key=value overrides "
                         "(its own numerics otherwise), as an extra row")
    args = ap.parse_args()
    qs = [float(q) for q in args.capacities.split(",")]
    base, rtol = read_base(args.upscale, args.case)
    rows = []
    with tempfile.TemporaryDirectory() as d:
        plan = [(2 ** i, rtol) for i in range(args.levels)]
        plan += [(2 ** (args.levels - 1), rtol / 100), (1, rtol / 100)]
        for factor, tol in plan:
            sets = grid_sets(base, factor) + ["numerics.rtol=%g" % tol]
            r, wall, err = run(args.upscale, args.case, sets, os.path.join(d, "r.h5"))
            rows.append((factor, tol, r, wall, err))
        for extra in args.also:
            fc, fs = (int(v) for v in extra.split("x"))
            sets = grid_sets(base, fc, fs) + ["numerics.rtol=%g" % rtol]
            r, wall, err = run(args.upscale, args.case, sets, os.path.join(d, "r.h5"))
            rows.append(("%dx%d" % (fc, fs), rtol, r, wall, err))
        for v in args.variant:
            sets = [kv for kv in v.split(",") if kv]
            tol = rtol
            for kv in sets:
                if kv.startswith("numerics.rtol="):
                    tol = float(kv.split("=", 1)[1])
            r, wall, err = run(args.upscale, args.case, sets, os.path.join(d, "r.h5"))
            rows.append((v, tol, r, wall, err))
    ref = rows[args.levels]  # finest grid, tightest tolerance
    if ref[2] is None:
        sys.exit("reference run failed: " + ref[4])
    cap_r, v_r, _ = ref[2]
    vref = [voltage_at(q, cap_r, v_r) for q in qs]
    print("| grid x | rtol | " + " | ".join("V(%g) [V]" % q for q in qs) + " | capacity at cut-off [Ah/m^2] | max dV vs reference [mV] | steps | wall [s] |")
    print("|---" * (len(qs) + 6) + "|")
    for factor, tol, r, wall, err in rows:
        if r is None:
            print("| %s | %g | failed: %s |" % (factor, tol, err))
            continue
        cap, v, steps = r
        vs = [voltage_at(q, cap, v) for q in qs]
        dv = max(abs(a - b) for a, b in zip(vs, vref) if not np.isnan(a) and not np.isnan(b)) * 1e3
        print("| %s | %g | " % (factor, tol) + " | ".join("%.5f" % x for x in vs) +
              " | %.4f | %.3f | %d | %.3f |" % (cap[-1], dv, steps, wall))
    print()
    print("grid x multiplies the case's cells per region and shells per particle (CxS: cells x C, "
          "shells x S; a list of settings: that variant); reference = the finest grid at the "
          "tightest tolerance.")


if __name__ == "__main__":
    main()

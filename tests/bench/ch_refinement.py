#!/usr/bin/python3
"""Refinement study of a phase-field charge (a benchmark, not a test; issue 11, item 4).

usage: ch_refinement.py UPSCALE CASE [CASE...] [--shells 25,50,100,200]
                        [--rtols 1e-3,1e-4,1e-5] [--range 0.2,9.5] [--drop 10] [--timeout 600]

For each CASE, two sequences: the positive particle mesh (numerics.shells.positive) at the
case's tolerance, and the tolerance (numerics.rtol) at the case's mesh.  Each run prints its
status, unknowns, steps, Newton iterations, Jacobian evaluations and wall time, and:
  - the surge voltage (the peak before the first nucleation event),
  - the nucleation events: local voltage maxima followed by a drop of at least --drop mV
    (each is one electrode node's particles nucleating the sodium-poor phase),
  - the capacity at the end of the charge and the voltage at the top of --range.
Between consecutive levels: mean and max |dV| over --range (Ah/m^2), the change of the surge
voltage, the largest shift of an event time (events matched in order), and the observed order
p = log2(d_k-1 / d_k) of the mean |dV| where the levels halve (shells doubling, rtol / 10 is
reported as a ratio instead).  A run still going after --timeout seconds is stopped with
SIGTERM, which makes upscale write what it has computed, marked interrupted: the table then says
how far it got.
"""
import argparse
import math
import os
import re
import subprocess
import tempfile
import time

import h5py
import numpy as np


def run(exe, case, sets, out, timeout):
    cmd = [exe, "run", case, "-o", out, "-q"] + [x for s in sets for x in ("--set", s)]
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _, stderr = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.terminate()
        _, stderr = p.communicate()
    wall = time.perf_counter() - t0
    if not os.path.exists(out):
        return None, stderr.strip().splitlines()[-1:] or ["no output"]
    with h5py.File(out, "r") as h:
        ts = h["timeseries"]
        r = {"t": ts["time"][:], "q": ts["capacity"][:], "v": ts["voltage"][:], "wall": wall}
        sa = h["solver"].attrs
        for k in ("steps", "newton_iterations", "jacobian_evaluations", "unknowns"):
            r[k] = int(sa[k])
        status = h.attrs.get("status", b"")
    status = status.decode() if isinstance(status, bytes) else str(status)
    m = re.search(r"at t = ([0-9.eE+-]+) s", status)
    r["status"] = status.split(":")[0] + (" at t = %s s" % m.group(1) if m else "")
    return r, ""


def events(t, v, drop_mV):
    """Times and voltages of the local maxima followed by a drop of at least drop_mV."""
    out = []
    n = len(v)
    i = 1
    while i < n - 1:
        if v[i] > v[i - 1] and v[i] >= v[i + 1]:
            j = i + 1
            while j < n and v[j] <= v[i]:
                j += 1
            if 1e3 * (v[i] - v[i:j].min()) >= drop_mV:
                out.append((t[i], v[i]))
            i = j
        else:
            i += 1
    return out


def dv(a, b, lo, hi):
    top = min(hi, a["q"][-1], b["q"][-1])
    if top <= lo:
        return None
    qq = np.linspace(lo, top, 3000)
    return 1e3 * np.abs(np.interp(qq, a["q"], a["v"]) - np.interp(qq, b["q"], b["v"]))


def sequence(exe, case, key, values, lo, hi, drop, timeout, d):
    print("\n### %s: %s = %s\n" % (os.path.basename(case), key, ", ".join(values)))
    print("| %s | status | unknowns | steps | Newton | Jacobians | wall (s) | surge (V) | events "
          "| capacity (Ah/m^2) | V(%.1f) (V) |" % (key.split(".")[-1], hi))
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    runs = []
    for val in values:
        out = os.path.join(d, "r.h5")
        if os.path.exists(out):
            os.remove(out)
        r, err = run(exe, case, ["%s=%s" % (key, val)], out, timeout)
        if r is None:
            print("| %s | no output: %s |" % (val, err[0]))
            runs.append(None)
            continue
        r["ev"] = events(r["t"], r["v"], drop)
        surge = r["ev"][0][1] if r["ev"] else float("nan")
        vtop = np.interp(hi, r["q"], r["v"]) if r["q"][-1] >= hi else float("nan")
        print("| %s | %s | %d | %d | %d | %d | %.1f | %.4f | %d | %.4f | %.4f |" % (
            val, r["status"], r["unknowns"], r["steps"], r["newton_iterations"],
            r["jacobian_evaluations"], r["wall"], surge, len(r["ev"]), r["q"][-1], vtop))
        runs.append(r)
    print("\n| levels | mean \\|dV\\| (mV) | max \\|dV\\| (mV) | surge change (mV) | "
          "largest event shift (s) | order of mean \\|dV\\| |")
    print("|---|---|---|---|---|---|")
    prev_mean = None
    for k in range(1, len(values)):
        a, b = runs[k - 1], runs[k]
        if a is None or b is None:
            print("| %s -> %s | (a run has no output) | | | | |" % (values[k - 1], values[k]))
            prev_mean = None
            continue
        x = dv(a, b, lo, hi)
        if x is None:
            print("| %s -> %s | (no common range) | | | | |" % (values[k - 1], values[k]))
            prev_mean = None
            continue
        ne = min(len(a["ev"]), len(b["ev"]))
        shift = max((abs(a["ev"][i][0] - b["ev"][i][0]) for i in range(ne)), default=float("nan"))
        dsurge = 1e3 * abs(a["ev"][0][1] - b["ev"][0][1]) if ne else float("nan")
        order = ""
        if prev_mean is not None and x.mean() > 0:
            ratio = float(values[k - 1]) / float(values[k - 2])
            order = "%.2f" % (math.log(prev_mean / x.mean()) / abs(math.log(ratio)))
        print("| %s -> %s | %.2f | %.1f | %.2f | %.0f | %s |" % (
            values[k - 1], values[k], x.mean(), x.max(), dsurge, shift, order))
        prev_mean = x.mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("exe")
    ap.add_argument("cases", nargs="+")
    ap.add_argument("--shells", default="25,50,100,200")
    ap.add_argument("--rtols", default="1e-3,1e-4,1e-5")
    ap.add_argument("--range", default="0.2,9.5")
    ap.add_argument("--drop", type=float, default=10.0)
    ap.add_argument("--timeout", type=float, default=600.0)
    a = ap.parse_args()
    lo, hi = (float(x) for x in a.range.split(","))
    with tempfile.TemporaryDirectory() as d:
        for case in a.cases:
            if a.shells:
                sequence(a.exe, case, "numerics.shells.positive", a.shells.split(","), lo, hi,
                         a.drop, a.timeout, d)
            if a.rtols:
                sequence(a.exe, case, "numerics.rtol", a.rtols.split(","), lo, hi, a.drop,
                         a.timeout, d)


if __name__ == "__main__":
    main()

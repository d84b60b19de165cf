#!/usr/bin/python3
"""Accuracy and step distribution of a charge against a tight-tolerance reference (a
benchmark, not a test).

usage: ch_accuracy.py UPSCALE CASE [--reference-rtol 1e-5 | --reference-set "KEY=V[,...]"]
                      [--variant "KEY=V[,KEY=V]"]... [--range 0.2,10.3] [--rise 3.54]

Runs CASE once as the reference (numerics.rtol = the reference tolerance, or the settings of
--reference-set, e.g. a finer particle mesh) and once per variant (the case itself is always
the first variant), then prints for each: status, steps, the mean, median, 95th percentile and largest
|V - V_ref| over the capacity range (Ah/m^2, up to where both runs reach), and the share of the
steps taken after the voltage first exceeds --rise V (the final rise of a charge); then the
same differences between consecutive variants.
"""
import argparse
import os
import re
import subprocess
import tempfile

import h5py
import numpy as np


def run(exe, case, sets, out):
    cmd = [exe, "run", case, "-o", out, "-q"]
    for s in sets:
        cmd += ["--set", s]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if not os.path.exists(out):
        return None, p.stderr.strip()
    with h5py.File(out, "r") as h:
        q = h["timeseries/capacity"][:]
        v = h["timeseries/voltage"][:]
        steps = int(h["solver"].attrs["steps"])
        status = h.attrs.get("status", b"")
    status = status.decode() if isinstance(status, bytes) else str(status)
    m = re.search(r"at t = ([0-9.eE+-]+) s", status)
    status = status.split(":")[0] + (" at t = %s s" % m.group(1) if m else "")
    return (q, v, steps, status), ""


def differences(qa, va, qb, vb, lo, hi):
    """|V_a - V_b| in mV on 3000 capacities from lo to where both runs reach (at most hi)."""
    qq = np.linspace(lo, min(hi, qa[-1], qb[-1]), 3000)
    return 1e3 * np.abs(np.interp(qq, qa, va) - np.interp(qq, qb, vb))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("exe")
    ap.add_argument("case")
    ap.add_argument("--reference-rtol", default="1e-5")
    ap.add_argument("--reference-set", default="")
    ap.add_argument("--variant", action="append", default=[])
    ap.add_argument("--range", default="0.2,10.3")
    ap.add_argument("--rise", type=float, default=3.54)
    a = ap.parse_args()
    lo, hi = (float(x) for x in a.range.split(","))
    variants = [""] + a.variant
    with tempfile.TemporaryDirectory() as d:
        ref_sets = [s for s in a.reference_set.split(",") if s] or \
            ["numerics.rtol=" + a.reference_rtol]
        ref, err = run(a.exe, a.case, ref_sets, os.path.join(d, "ref.h5"))
        if ref is None:
            raise SystemExit("reference run failed: " + err)
        qr, vr, nref, sref = ref
        print("reference: %s, %d steps, %s" % (",".join(ref_sets), nref, sref))
        print()
        print("| variant | status | steps | mean |dV| (mV) | median (mV) | 95th pct (mV) | max (mV) | "
              "steps after V > %.2f V |" % a.rise)
        print("|---|---|---|---|---|---|---|---|")
        done = []
        for i, var in enumerate(variants):
            sets = [s for s in var.split(",") if s]
            r, err = run(a.exe, a.case, sets, os.path.join(d, "v%d.h5" % i))
            if r is None:
                print("| %s | failed: %s |" % (var or "case", err))
                continue
            q, v, steps, status = r
            dv = differences(q, v, qr, vr, lo, hi)
            rise = np.argmax(v > a.rise) if np.any(v > a.rise) else len(v)
            print("| %s | %s | %d | %.2f | %.2f | %.2f | %.1f | %.0f%% |" % (
                var or "case", status, steps, dv.mean(), np.median(dv),
                np.percentile(dv, 95), dv.max(), 100.0 * (len(v) - rise) / len(v)))
            done.append((var or "case", q, v))
        print()
        for (na, qa, va), (nb, qb, vb) in zip(done, done[1:]):
            dv = differences(qa, va, qb, vb, lo, hi)
            print("%s vs %s: mean |dV| %.2f mV, median %.2f mV, max %.1f mV" % (
                na, nb, dv.mean(), np.median(dv), dv.max()))


if __name__ == "__main__":
    main()

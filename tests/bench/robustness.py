#!/usr/bin/python3
"""Robustness matrix of the Fickian DFN core (issue 10), of the phase-field cell on fine
particle meshes (issue 11) and of the cell with 2D particles (issue 14); a benchmark, not a
test.

usage: robustness.py UPSCALE [--family newman|chayambuka|pba2d|pbafine|all] [--quick] [--subset N/M]
                     [--jobs 2] [--timeout 900] [--list] [--spectral]
       robustness.py UPSCALE --regression

Runs the two validation cells over the axes where a new user meets trouble and prints, as
Markdown, the failure fraction per family and per axis value, and one line per failure
(time, capacity, message):

- newman: cases/validation/newman_licoo2_graphite_1C.yaml, x cells {5/3/5, 10/5/10,
  20/10/20, 40/20/40, 80/40/80} x shells {5, 15, 30, 60} x rtol {1e-3, 1e-4, 1e-6} x
  current {2.4, 24, 48, 96} A/m^2 (240 runs);
- chayambuka: cases/validation/chayambuka2022_5A.yaml, current {0.5, 1, 2, 5, 10, 20, 30}
  A/m^2 x negative and positive particle radius {0.5, 1, 2, 3} x the case's (112 runs);
- pba2d: the charged MnFePBA | hard carbon cell (tests/cases/pba_hc_discharge_coarse.yaml, 4
  positive cells x 30 shells) discharged with 2D particles: radius {0.3, 0.6} um (12 and 24
  polar cells, 2 per interface width) x anisotropy a {0.3, 0.8, -0.5} x current {0.05, 0.1,
  0.5, 2} x the charge's 1C (24 runs);
- pbafine: the paper's MnFePBA | hard carbon charges (cases/pba_hc_charge_0.1C.yaml and
  _0.5C.yaml, issue 11) on 5 positive cells with fine particle meshes, shells {100, 200, 300,
  400, 600} x rtol {1e-4, 1e-3} (20 runs): the final rise, where the last sodium-rich cores
  dissolve in particles that are otherwise empty.

A run counts as a failure when `upscale run` exits non-zero or its file says
"incomplete", and also when it reports "complete" having passed no charge (a run that did
nothing is not a success).  A run that ends a step at a named physical limit (a note in the
output) is not a failure; those are counted and listed apart.

--spectral runs the newman and chayambuka families with spectral particles in both
electrodes (numerics.particle_discretisation, docs/numerics.md "Spectral particles"): the
newman shells axis {5, 15, 30, 60} becomes {3, 5, 8, 12} nodes, the chayambuka particles get
6 nodes (the case's 20 graded shells otherwise).

--quick runs a fixed subset (every 8th run of each family, in a fixed order); --subset N/M
runs the runs whose index is N modulo M.  At most 2 processes run at a time (--jobs).

--regression is the test (meson suite regression, a few seconds): a handful of
configurations that failed before issue 10 must now complete, and those that meet a
physical limit must say which; one PASS/FAIL line each, exit status the number of failures.
"""
import argparse
import itertools
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import h5py

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NEWMAN = os.path.join(SRC, "cases", "validation", "newman_licoo2_graphite_1C.yaml")
CHAYAMBUKA = os.path.join(SRC, "cases", "validation", "chayambuka2022_5A.yaml")

GRIDS = [(5, 3, 5), (10, 5, 10), (20, 10, 20), (40, 20, 40), (80, 40, 80)]
SHELLS = [5, 15, 30, 60]
RTOLS = ["1e-3", "1e-4", "1e-6"]
NEWMAN_CURRENTS = [2.4, 24, 48, 96]
CH_CURRENTS = [0.5, 1, 2, 5, 10, 20, 30]
RADIUS_FACTORS = [0.5, 1, 2, 3]
CH_RADIUS = {"negative": 3.48, "positive": 0.59}  # um, params/chayambuka2022_hc_nvpf.yaml


def newman_runs():
    for g, n, tol, cur in itertools.product(GRIDS, SHELLS, RTOLS, NEWMAN_CURRENTS):
        sets = newman_sets(g, n, tol, cur)
        axes = {"cells": "%d/%d/%d" % g, "shells": str(n), "rtol": tol, "current": "%g" % cur}
        yield "newman", NEWMAN, sets, axes


def chayambuka_runs():
    for cur, fn, fp in itertools.product(CH_CURRENTS, RADIUS_FACTORS, RADIUS_FACTORS):
        sets = ["protocol.0.current=%g A/m^2" % cur,
                "negative.particle_radius=%g um" % (fn * CH_RADIUS["negative"]),
                "positive.particle_radius=%g um" % (fp * CH_RADIUS["positive"])]
        axes = {"current": "%g" % cur, "r_neg": "%gx" % fn, "r_pos": "%gx" % fp}
        yield "chayambuka", CHAYAMBUKA, sets, axes


PBA2D = os.path.join(SRC, "tests", "cases", "pba_hc_discharge_coarse.yaml")
PBA2D_RADII = [(0.3, 12), (0.6, 24)]  # um, polar cells: 2 per interface width (1.85e-7 m)
PBA2D_ANISOTROPY = [0.3, 0.8, -0.5]
PBA2D_CRATES = [0.05, 0.1, 0.5, 2]  # of the charge's 1C, 10.3597 A/m^2


def pba2d_runs():
    """The charged MnFePBA | hard carbon cell discharged with 2D particles (issue 14)."""
    for (r, nt), a, c in itertools.product(PBA2D_RADII, PBA2D_ANISOTROPY, PBA2D_CRATES):
        sets = ["numerics.cells.positive=4", "numerics.shells.positive=30",
                "positive.particle_dimension=2", "numerics.polar_cells.positive=%d" % nt,
                "positive.particle_radius=%g um" % r, "positive.exchange_anisotropy=%g" % a,
                "protocol.0.current=%g A/m^2" % (c * 10.3597)]
        axes = {"radius": "%g um" % r, "a": "%g" % a, "c_rate": "%g" % c}
        yield "pba2d", PBA2D, sets, axes


PBA_CHARGE = {r: os.path.join(SRC, "cases", "pba_hc_charge_%s.yaml" % r) for r in ("0.1C", "0.5C")}
PBAFINE_SHELLS = [100, 200, 300, 400, 600]
PBAFINE_RTOLS = ["1e-4", "1e-3"]


def pbafine_sets(shells, tol):
    return ["numerics.cells.positive=5", "numerics.shells.positive=%d" % shells,
            "numerics.rtol=%s" % tol]


def pbafine_runs():
    """The paper's charges on fine particle meshes (issue 11)."""
    for rate, n, tol in itertools.product(PBA_CHARGE, PBAFINE_SHELLS, PBAFINE_RTOLS):
        yield "pbafine", PBA_CHARGE[rate], pbafine_sets(n, tol), {"rate": rate, "shells": str(n),
                                                                  "rtol": tol}


SPECTRAL_NODES = {5: 3, 15: 5, 30: 8, 60: 12}  # newman shells axis -> spectral nodes
SPECTRAL_SETS = ["numerics.particle_discretisation.negative=spectral",
                 "numerics.particle_discretisation.positive=spectral"]


def spectral(run):
    """The same run with spectral particles (--spectral)."""
    fam, case, sets, axes = run
    if fam == "newman":
        n = SPECTRAL_NODES[int(axes["shells"])]
        sets = [s for s in sets if not s.startswith("numerics.shells.")]
        sets += ["numerics.shells.negative=%d" % n, "numerics.shells.positive=%d" % n]
        axes = dict(axes, shells="%d nodes" % n)
    elif fam == "chayambuka":
        sets = sets + ["numerics.shells.negative=6", "numerics.shells.positive=6"]
    else:
        return run
    return fam, case, sets + SPECTRAL_SETS, axes


def newman_sets(g, n, tol, cur):
    return ["numerics.cells.negative=%d" % g[0], "numerics.cells.separator=%d" % g[1],
            "numerics.cells.positive=%d" % g[2], "numerics.shells.negative=%d" % n,
            "numerics.shells.positive=%d" % n, "numerics.rtol=%s" % tol,
            "protocol.0.current=%g A/m^2" % cur]


# Configurations that failed before issue 10 (IDA_CONV_FAIL / IDA_REP_RES_ERR), with what
# the run must now report: None (complete, no note) or a word its notes must contain.
REGRESSION = [
    ("newman 40/20/40, 5 shells, rtol 1e-3, 2.4 A/m^2 (failed at 13984 s)", NEWMAN,
     newman_sets((40, 20, 40), 5, "1e-3", 2.4), None),
    ("newman 80/40/80, 5 shells, rtol 1e-3, 2.4 A/m^2 (failed at 13884 s)", NEWMAN,
     newman_sets((80, 40, 80), 5, "1e-3", 2.4), None),
    ("newman 40/20/40, 15 shells, rtol 1e-4, 2.4 A/m^2 (failed at 15302 s)", NEWMAN,
     newman_sets((40, 20, 40), 15, "1e-4", 2.4), None),
    ("chayambuka 20 A/m^2, radii 2x / 0.5x (failed at 13.6 s)", CHAYAMBUKA,
     ["protocol.0.current=20 A/m^2", "negative.particle_radius=6.96 um",
      "positive.particle_radius=0.295 um"], None),
    ("chayambuka 10 A/m^2, negative radius 3x (failed at t < 25 s)", CHAYAMBUKA,
     ["protocol.0.current=10 A/m^2", "negative.particle_radius=10.44 um"], None),
    ("chayambuka 30 A/m^2, radii 0.5x / 0.5x (failed at 472 s: the salt runs out)", CHAYAMBUKA,
     ["protocol.0.current=30 A/m^2", "negative.particle_radius=1.74 um",
      "positive.particle_radius=0.295 um"], "electrolyte depletion"),
    # Issue 11: the paper's charges on fine particle meshes failed in the final rise while the
    # last sodium-rich core dissolved (U_h continued beyond 1e-7 of the bounds, now 1e-6).
    ("pba 0.1C charge, 5 cells, 300 shells, rtol 1e-3 (failed at 35968.6 s)",
     PBA_CHARGE["0.1C"], pbafine_sets(300, "1e-3"), "left [0, c_max]"),
    ("pba 0.5C charge, 5 cells, 300 shells, rtol 1e-3 (failed at 7012.5 s)",
     PBA_CHARGE["0.5C"], pbafine_sets(300, "1e-3"), "left [0, c_max]"),
]


def regression(exe):
    failures = 0
    with tempfile.TemporaryDirectory(prefix="upscale_robust_") as tmp:
        for i, (name, case, sets, expect) in enumerate(REGRESSION):
            r = run_one(exe, case, sets, 120, tmp, i)
            ok = not r["failed"] and (r["notes"] == "" if expect is None else expect in r["notes"])
            failures += not ok
            print("%s: %s: %s, capacity %.4g Ah/m^2, %d steps%s" % (
                "PASS" if ok else "FAIL", name, r["status"] or r["err"], r["capacity"],
                r["steps"], ("; notes: " + r["notes"]) if r["notes"] else ""))
    return failures


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def run_one(exe, case, sets, timeout, tmp, idx):
    out = os.path.join(tmp, "r%d.h5" % idx)
    cmd = [exe, "run", case, "-o", out, "-q", "--set", "output.fields=false"]
    for s in sets:
        cmd += ["--set", s]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        code, err = p.returncode, p.stderr.strip()
    except subprocess.TimeoutExpired:
        code, err = -1, "timeout after %g s" % timeout
    wall = time.perf_counter() - t0
    r = {"code": code, "wall": wall, "status": "", "notes": "", "t": float("nan"),
         "capacity": float("nan"), "steps": 0, "err": err.splitlines()[-1] if err else ""}
    if os.path.exists(out):
        try:
            with h5py.File(out, "r") as h:
                r["status"] = text(h.attrs.get("status", ""))
                r["notes"] = text(h.attrs.get("notes", ""))
                t = h["timeseries/time"][:]
                c = h["timeseries/capacity"][:]
                r["t"] = float(t[-1]) if len(t) else 0.0
                r["capacity"] = float(c[-1]) if len(c) else 0.0
                r["steps"] = int(h["solver"].attrs["steps"])
        except (OSError, KeyError) as e:
            r["err"] = r["err"] or str(e)
        os.remove(out)
    # A note naming a physical limit; the report that a phase-field composition followed U_h's
    # continuation beyond its bounds is a remark, not a limit.
    r["limit"] = re.sub(r"(; )?Cahn-Hilliard particle concentrations left .*?\(docs/numerics\.md\)",
                        "", r["notes"]).strip("; ")
    complete = code == 0 and r["status"].startswith("complete")
    r["failed"] = not complete or not (r["capacity"] > 0)
    if complete and not (r["capacity"] > 0):
        r["status"] = "complete but no charge passed (%s)" % (r["notes"] or "no note")
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("upscale")
    ap.add_argument("--family", choices=["newman", "chayambuka", "pba2d", "pbafine", "all"], default="all")
    ap.add_argument("--quick", action="store_true", help="every 8th run of each family")
    ap.add_argument("--subset", default=None, help="N/M: runs with index = N mod M")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--list", action="store_true", help="print the runs, do not run them")
    ap.add_argument("--regression", action="store_true", help="the test: see the docstring")
    ap.add_argument("--spectral", action="store_true",
                    help="spectral particles in the newman and chayambuka families")
    a = ap.parse_args()
    if a.regression:
        return regression(os.path.abspath(a.upscale))
    jobs = max(1, min(a.jobs, 2))  # the machine is shared: never more than 2
    fams = []
    if a.family in ("newman", "all"):
        fams.append(list(newman_runs()))
    if a.family in ("chayambuka", "all"):
        fams.append(list(chayambuka_runs()))
    if a.family in ("pba2d", "all"):
        fams.append(list(pba2d_runs()))
    if a.family in ("pbafine", "all"):
        fams.append(list(pbafine_runs()))
    plan = []
    for runs in fams:
        for i, r in enumerate(runs):
            if a.quick and i % 8 != 0:
                continue
            if a.subset:
                n, m = (int(v) for v in a.subset.split("/"))
                if i % m != n:
                    continue
            plan.append(spectral(r) if a.spectral else r)
    if a.list:
        for fam, case, sets, axes in plan:
            print(fam, " ".join("--set '%s'" % s for s in sets))
        return 0
    exe = os.path.abspath(a.upscale)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="upscale_robust_") as tmp:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futs = [pool.submit(run_one, exe, case, sets, a.timeout, tmp, i)
                    for i, (fam, case, sets, axes) in enumerate(plan)]
            results = [f.result() for f in futs]
    total = time.perf_counter() - t0

    print("# Robustness matrix (%d runs, %.0f s wall, %d jobs)" % (len(plan), total, jobs))
    print()
    print("| family | runs | failed | failure fraction | ended at a named limit | median wall (s) |")
    print("|---|---|---|---|---|---|")
    bad = 0
    for fam in ("newman", "chayambuka", "pba2d", "pbafine"):
        rs = [(p, r) for p, r in zip(plan, results) if p[0] == fam]
        if not rs:
            continue
        nf = sum(r["failed"] for _, r in rs)
        nl = sum(1 for _, r in rs if not r["failed"] and r["limit"])
        walls = sorted(r["wall"] for _, r in rs)
        bad += nf
        print("| %s | %d | %d | %.3f | %d | %.2f |" % (fam, len(rs), nf, nf / len(rs), nl,
                                                      walls[len(walls) // 2]))
    for fam in ("newman", "chayambuka", "pba2d", "pbafine"):
        rs = [(p, r) for p, r in zip(plan, results) if p[0] == fam]
        if not rs:
            continue
        for axis in rs[0][0][3]:
            vals = []
            for p, _ in rs:
                if p[3][axis] not in vals:
                    vals.append(p[3][axis])
            print()
            print("%s, failed / runs by %s: %s" % (fam, axis, ", ".join(
                "%s: %d/%d" % (v, sum(r["failed"] for p, r in rs if p[3][axis] == v),
                               sum(1 for p, _ in rs if p[3][axis] == v)) for v in vals)))
    print()
    print("## Failures")
    print()
    for p, r in zip(plan, results):
        if r["failed"]:
            print("- %s %s: t = %.6g s, capacity %.4g Ah/m^2, exit %d: %s" % (
                p[0], " ".join("%s=%s" % kv for kv in p[3].items()), r["t"], r["capacity"],
                r["code"], r["status"] or r["err"]))
    print()
    print("## Runs ended at a named physical limit")
    print()
    for p, r in zip(plan, results):
        if not r["failed"] and r["limit"]:
            print("- %s %s: t = %.6g s, capacity %.4g Ah/m^2: %s" % (
                p[0], " ".join("%s=%s" % kv for kv in p[3].items()), r["t"], r["capacity"],
                r["limit"]))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

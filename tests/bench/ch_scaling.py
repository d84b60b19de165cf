#!/usr/bin/python3
"""Cost of a Cahn-Hilliard P2D run against the particle mesh (a benchmark, not a test).

usage: ch_scaling.py UPSCALE CASE [--shells 25,50,100] [--set KEY=VALUE]...

Runs `upscale bench CASE --repeat 1` with numerics.shells.positive set to each value and
prints, as a Markdown table, the wall time, integrator steps, Newton iterations, Jacobian
evaluations, Newton and error-test failures, the unknown count and the cost per step, then
how steps and time grow from one mesh to the next.  With a moving two-phase front in every
particle the step count is expected to follow the number of shells the fronts cross
(docs/numerics.md).
"""
import argparse
import re
import subprocess
import sys

FIELDS = {
    "median wall": "wall_ms",
    "steps": "steps",
    "newton iters": "newton",
    "jacobian evals": "jac",
    "newton fails": "nfail",
    "error test fails": "efail",
    "capacity": "capacity",
    "unknowns": "unknowns",
}


def bench(exe, case, shells, sets):
    cmd = [exe, "bench", case, "--repeat", "1", "--set", "numerics.shells.positive=%d" % shells]
    for s in sets:
        cmd += ["--set", s]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "exit %d" % p.returncode
    row = {}
    for line in p.stdout.splitlines():
        for label, key in FIELDS.items():
            if line.startswith(label + " "):
                m = re.search(r"[-+0-9.eE]+", line[len(label):])
                row[key] = float(m.group(0))
    return row, ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("exe")
    ap.add_argument("case")
    ap.add_argument("--shells", default="25,50,100")
    ap.add_argument("--set", action="append", default=[])
    a = ap.parse_args()
    shells = [int(s) for s in a.shells.split(",")]
    print("case %s %s" % (a.case, " ".join("--set " + s for s in a.set)))
    print()
    print("| shells | unknowns | wall (s) | steps | Newton iters | Jacobians | Newton fails | "
          "error-test fails | ms per step | capacity (Ah/m^2) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for n in shells:
        r, err = bench(a.exe, a.case, n, a.set)
        if r is None:
            print("| %d | failed: %s |" % (n, err))
            continue
        rows.append((n, r))
        print("| %d | %d | %.1f | %d | %d | %d | %d | %d | %.2f | %.4f |" % (
            n, r["unknowns"], r["wall_ms"] / 1e3, r["steps"], r["newton"], r["jac"], r["nfail"],
            r["efail"], r["wall_ms"] / r["steps"], r["capacity"]))
        sys.stdout.flush()
    print()
    for (n0, r0), (n1, r1) in zip(rows, rows[1:]):
        print("shells %d -> %d (x%.1f): steps x%.2f, Newton iterations x%.2f, time x%.2f" % (
            n0, n1, n1 / n0, r1["steps"] / r0["steps"], r1["newton"] / r0["newton"],
            r1["wall_ms"] / r0["wall_ms"]))


if __name__ == "__main__":
    main()

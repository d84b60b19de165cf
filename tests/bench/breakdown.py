#!/usr/bin/python3
"""Where the time of one `upscale run` goes (a benchmark, not a test).

usage: breakdown.py UPSCALE CASE [--repeat N] [--set key=value]...

Splits one whole process by instruction counts (valgrind --tool=callgrind; wall time on this
shared machine is too noisy for a split) into start-up (loader and libraries before main),
case reading, set-up, the solve (and inside it the residual, the Jacobian, KLU's
factorisations and solves, IDA's vector operations, root functions and IDA's own code),
output writing and exit; prints the solver's counters; then times the whole process and the
bare start-up (`upscale --version`) as processes, min and median of N, and the solve's own
wall time as the run records it (/solver wall_time).
"""
import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import h5py

# IDA's vector operations (src/driver/nvector.c), counted by their own (self) instructions.
VECTOR_OPS = ["linear_sum", "constant", "prod", "divide", "scale", "absolute", "inverse",
              "add_const", "max_norm", "wsqr_sum", "wsqr_sum_mask", "wrms_norm", "wrms_norm_mask",
              "linear_combination", "scale_add_multi", "linear_sum_array", "scale_array",
              "const_array"]


def annotate(out, inclusive):
    """function name -> instructions (the largest entry of that name)."""
    cmd = ["callgrind_annotate", "--threshold=100", out]
    if inclusive:
        cmd.insert(1, "--inclusive=yes")
    text = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    cost = {}
    total = None
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\([\s\d.]+%\)\s+(.*)$", line)
        if not m:
            continue
        n = int(m.group(1).replace(",", ""))
        what = m.group(2)
        if what.startswith("PROGRAM TOTALS"):
            total = n
            continue
        name = what.split(" [")[0].split(":")[-1]
        cost[name] = max(cost.get(name, 0), n)
    return total, cost


def wall(cmd, n):
    """(min, median) wall time and (min, median) CPU time (user + system, from getrusage of
    the child, which other load on the machine inflates less) in ms."""
    ts, cs = [], []
    for _ in range(n):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        ts.append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cs.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
    ts.sort()
    cs.sort()
    return ts[0] * 1e3, ts[len(ts) // 2] * 1e3, cs[0] * 1e3, cs[len(cs) // 2] * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("upscale")
    ap.add_argument("case")
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--set", action="append", default=[])
    args = ap.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("breakdown.py needs valgrind (apt-get install valgrind)")
    sets = []
    for s in args.set:
        sets += ["--set", s]
    with tempfile.TemporaryDirectory() as d:
        h5 = os.path.join(d, "r.h5")
        run = [args.upscale, "run", args.case, "-o", h5, "-q"] + sets
        cg = os.path.join(d, "cg.out")
        subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + cg] + run,
                       check=True, capture_output=True)
        total, inc = annotate(cg, True)
        # The same run counting only inside IDASolve: the split of the steps.
        subprocess.run(["valgrind", "--tool=callgrind", "--toggle-collect=IDASolve",
                        "--callgrind-out-file=" + cg] + run, check=True, capture_output=True)
        _, sinc = annotate(cg, True)
        _, own = annotate(cg, False)
        with h5py.File(h5, "r") as h:
            st = dict(h["solver"].attrs)
        os.remove(h5)
        proc_min, proc_med, proc_cmin, proc_cmed = wall(run, args.repeat)
        start_min, start_med, start_cmin, start_cmed = wall([args.upscale, "--version"],
                                                            args.repeat)
        solve = []
        for _ in range(min(args.repeat, 10)):
            subprocess.run(run, check=True)
            with h5py.File(h5, "r") as h:
                solve.append(float(h["solver"].attrs["wall_time"]) * 1e3)
            os.remove(h5)
        solve.sort()

    g = lambda k: inc.get(k, 0)
    gs = lambda k: sinc.get(k, 0)
    below = g("(below main)")
    main_ = g("main")
    step = g("upscale_solver_step")
    vec = sum(own.get(k, 0) for k in VECTOR_OPS)
    parts_solve = [
        ("residual (res_cb)", gs("res_cb")),
        ("Jacobian (jac_cb)", gs("jac_cb")),
        ("KLU factorisation (SUNLinSolSetup)", gs("SUNLinSolSetup")),
        ("KLU solves (SUNLinSolSolve)", gs("SUNLinSolSolve")),
        ("matrix zeroing (SUNMatZero)", gs("SUNMatZero")),
        ("root functions (root_cb)", gs("root_cb")),
        ("vector operations (nvector.c)", vec),
    ]
    ida_own = gs("IDASolve") - sum(v for _, v in parts_solve)
    parts = [
        ("start-up: loader, libraries, before main", total - below),
        ("case reading (parameters, units)", g("upscale_run_load_params")),
        ("model, protocol, checks (read_case)", g("read_case")),
        ("solver set-up (layout, weights, KLU)", g("upscale_solver_create")),
        ("consistent initial state (IDACalcIC)", g("upscale_solver_restart")),
        ("solve (IDASolve steps)", step),
        ("output file (create, write, close)",
         g("upscale_output_create") + g("write_run") + g("upscale_output_close")),
    ]
    rest_main = main_ - sum(v for k, v in parts[1:])
    parts.append(("other in main", rest_main))
    parts.append(("exit (after main)", below - main_))

    mi = lambda v: "%8.2f M  %5.1f%%" % (v / 1e6, 100.0 * v / total)
    print("case          %s %s" % (args.case, " ".join(args.set)))
    print("unknowns %d, steps %d, residual evals %d, Jacobian evals %d, Newton iterations %d, "
          "Newton / error-test failures %d / %d" %
          (st["unknowns"], st["steps"], st["residual_evaluations"], st["jacobian_evaluations"],
           st["newton_iterations"], st["newton_failures"], st["error_test_failures"]))
    print()
    print("| part | instructions (callgrind) | share |")
    print("|---|---|---|")
    for k, v in parts:
        m, p = mi(v).rsplit(None, 1)
        print("| %s | %s | %s |" % (k, m, p))
        if k.startswith("solve ("):
            for kk, vv in parts_solve + [("IDA's own code", ida_own)]:
                m, p = mi(vv).rsplit(None, 1)
                print("| - %s | %s | %s |" % (kk, m, p))
    print("| whole process | %.2f M | 100%% |" % (total / 1e6))
    print()
    print("per step: %.0f k instructions; per residual evaluation %.1f k; per Jacobian "
          "evaluation %.1f k" % (step / st["steps"] / 1e3,
                                 g("res_cb") / st["residual_evaluations"] / 1e3,
                                 g("jac_cb") / max(st["jacobian_evaluations"], 1) / 1e3))
    print()
    print("wall, min / median of %d:" % args.repeat)
    print("  whole process  %6.2f / %6.2f ms wall, %6.2f / %6.2f ms CPU (user + system)" %
          (proc_min, proc_med, proc_cmin, proc_cmed))
    print("  start-up only  %6.2f / %6.2f ms wall, %6.2f / %6.2f ms CPU (upscale --version)" %
          (start_min, start_med, start_cmin, start_cmed))
    print("  solve          %6.2f / %6.2f ms (/solver wall_time, %d runs)" %
          (solve[0], solve[len(solve) // 2], len(solve)))
    print("  the rest       %6.2f ms (min: whole - start-up - solve: case, set-up, output file "
          "with its fsync, exit)" % (proc_min - start_min - solve[0]))


if __name__ == "__main__":
    main()

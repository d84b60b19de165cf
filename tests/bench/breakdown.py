#!/usr/bin/python3
"""Where the time of one `upscale run` goes (a benchmark, not a test).

usage: breakdown.py UPSCALE CASE [--repeat N] [--set key=value]...

Splits one whole process by instruction counts (valgrind --tool=callgrind; wall time on this
shared machine is too noisy for a split) into start-up (loader and libraries before main),
case reading, set-up, the solve (and inside it the residual, the Jacobian, KLU's
factorisations and solves, IDA's vector operations, root functions and IDA's own code),
output writing (and inside it HDF5's start, the file's creation, the datasets and attributes,
the close) and exit; prints the solver's counters; then times the whole process and the bare
start-up (`upscale --version`) as processes, min and median of N, with their page faults, the
solve's own wall time as the run records it (/solver wall_time), and, when strace is
installed, the output file's fsync and rename system calls (strace -T).
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
    the child, which other load on the machine inflates less) in ms, and the median number
    of page faults (minor: memory touched for the first time)."""
    ts, cs, fs = [], [], []
    for _ in range(n):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        ts.append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cs.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
        fs.append(r1.ru_minflt - r0.ru_minflt)
    ts.sort()
    cs.sort()
    fs.sort()
    return (ts[0] * 1e3, ts[len(ts) // 2] * 1e3, cs[0] * 1e3, cs[len(cs) // 2] * 1e3,
            fs[len(fs) // 2])


def syscalls(cmd, n):
    """name -> sorted durations in ms of the output's fsync and rename (strace -T), n runs."""
    got = {}
    for _ in range(n):
        r = subprocess.run(["strace", "-T", "-e", "trace=fsync,fdatasync,rename"] + cmd,
                           check=True, capture_output=True, text=True)
        for line in r.stderr.splitlines():
            m = re.match(r"(\w+)\(.*<([\d.]+)>$", line)
            if m:
                got.setdefault(m.group(1), []).append(float(m.group(2)) * 1e3)
    return {k: sorted(v) for k, v in got.items()}


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
        proc_min, proc_med, proc_cmin, proc_cmed, proc_flt = wall(run, args.repeat)
        start_min, start_med, start_cmin, start_cmed, start_flt = wall(
            [args.upscale, "--version"], args.repeat)
        sys_ms = syscalls(run, min(args.repeat, 20)) if shutil.which("strace") else None
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
    # HDF5 inside the output: the library's start (at the first HDF5 call, in
    # upscale_output_create), the file's creation (its metadata cache), the datasets and
    # attributes, the close; and the library's own exit handler, if it runs.
    parts_output = [
        ("HDF5 library start (H5_init_library)", g("H5_init_library")),
        ("file creation (H5Fcreate)", g("H5Fcreate")),
        ("datasets and attributes (write_run)", g("write_run")),
        ("close (upscale_output_close)", g("upscale_output_close")),
    ]
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
        if k.startswith("output file"):
            for kk, vv in parts_output:
                m, p = mi(vv).rsplit(None, 1)
                print("| - %s | %s | %s |" % (kk, m, p))
        if k.startswith("exit"):
            m, p = mi(g("H5_term_library")).rsplit(None, 1)
            print("| - HDF5's exit handler (H5_term_library) | %s | %s |" % (m, p))
    print("| whole process | %.2f M | 100%% |" % (total / 1e6))
    print()
    print("per step: %.0f k instructions; per residual evaluation %.1f k; per Jacobian "
          "evaluation %.1f k" % (step / st["steps"] / 1e3,
                                 g("res_cb") / st["residual_evaluations"] / 1e3,
                                 g("jac_cb") / max(st["jacobian_evaluations"], 1) / 1e3))
    print()
    print("wall, min / median of %d:" % args.repeat)
    print("  whole process  %6.2f / %6.2f ms wall, %6.2f / %6.2f ms CPU (user + system), "
          "%d page faults" % (proc_min, proc_med, proc_cmin, proc_cmed, proc_flt))
    print("  start-up only  %6.2f / %6.2f ms wall, %6.2f / %6.2f ms CPU (upscale --version), "
          "%d page faults" % (start_min, start_med, start_cmin, start_cmed, start_flt))
    print("  solve          %6.2f / %6.2f ms (/solver wall_time, %d runs)" %
          (solve[0], solve[len(solve) // 2], len(solve)))
    print("  the rest       %6.2f ms (min: whole - start-up - solve: case, set-up, output file "
          "with its fsync, exit)" % (proc_min - start_min - solve[0]))
    if sys_ms is None:
        print("  output's fsync and rename: strace not installed")
    for k, v in sorted((sys_ms or {}).items()):
        print("  %-14s %6.2f / %6.2f ms (system call, strace -T, %d runs; the output file)" %
              (k, v[0], v[len(v) // 2], len(v)))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Benchmark: a sweep on 1 and 2 MPI ranks (never pass/fail on time).

usage: /usr/bin/python3 tests/sweep/bench_sweep.py PATH/TO/upscale PATH/TO/mpiexec SWEEP.yaml
       [--ranks 1,2]

Runs the sweep from scratch on each rank count (results in a temporary directory) and
prints, per rank count: the wall time of the whole command (mpiexec start-up, checking every
point, running, writing), the time from the first point's start to the last point's end
(from the results file), the parallel efficiency T1 / (P T_P) of both, the mean cost per
point (/results/wall_time: the run itself), the wall time per point, "busy" (the share of
P x the points' span that the ranks spent inside runs: what the sweep machinery costs, apart
from cores shared with other work) and how many points failed.
"""
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np


def main():
    upscale, mpiexec, sweep = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
    ranks = [1, 2]
    if "--ranks" in sys.argv:
        ranks = [int(x) for x in sys.argv[sys.argv.index("--ranks") + 1].split(",")]
    res = {}
    with tempfile.TemporaryDirectory(prefix="upscale_bench_sweep_") as tmp:
        for p in ranks:
            out = os.path.join(tmp, f"ranks{p}.h5")
            t0 = time.monotonic()
            r = subprocess.run([mpiexec, "--allow-run-as-root", "--oversubscribe", "-n", str(p),
                                upscale, "sweep", sweep, "-o", out, "-q"],
                               capture_output=True, text=True)
            wall = time.monotonic() - t0
            if not os.path.exists(out):
                print(f"{p} ranks: no results file (exit {r.returncode}): {r.stderr.strip()}")
                return 1
            with h5py.File(out, "r") as f:
                x = f["results"]
                start, end = x["start_time"][:, 0], x["end_time"][:, 0]
                cost = x["wall_time"][:, 0]
                failed = int(np.sum(x["status"][:, 0] != 0))
                n = len(cost)
                per_rank = {int(k): int(np.sum(x["rank"][:, 0] == k)) for k in set(x["rank"][:, 0])}
            span = end.max() - start.min()
            res[p] = dict(wall=wall, span=span, cost=cost.mean(), n=n, failed=failed,
                          per_rank=per_rank, status=r.returncode, busy=cost.sum() / (p * span))
    print(f"sweep {sweep}: {res[ranks[0]]['n']} points "
          f"({res[ranks[0]]['failed']} failed: solver gave up, recorded)")
    print(f"{'ranks':>5} {'command [s]':>12} {'points [s]':>11} {'eff. cmd':>9} {'eff. pts':>9}"
          f" {'cost/point [s]':>15} {'wall/point [s]':>15} {'busy':>5}  points per rank")
    t1 = res[ranks[0]]
    for p in ranks:
        r = res[p]
        print(f"{p:>5} {r['wall']:>12.2f} {r['span']:>11.2f} "
              f"{t1['wall'] / (p * r['wall']):>9.2f} {t1['span'] / (p * r['span']):>9.2f}"
              f" {r['cost']:>15.4f} {r['span'] / r['n']:>15.4f} {r['busy']:>5.2f}  {r['per_rank']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

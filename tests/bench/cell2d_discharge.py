#!/usr/bin/python3
"""Benchmark: the MnFePBA | hard carbon 0.1C discharge with 2D particles in the cell (issue 14).

usage: /usr/bin/python3 tests/bench/cell2d_discharge.py UPSCALE MPIEXEC CASE [--levels S:P,...]
       [--sets KEY=VALUE,...] [--ranks 1,2]

For each level S:P (S shells x P polar cells per particle, default 50:32,50:64,50:128,100:64),
with the --sets overrides (e.g. numerics.cells.positive=5), runs CASE (a discharge case with
positive.particle_dimension: 2) in one process and prints: unknowns,
steps, Newton iterations, Jacobian updates, wall and CPU time (user + system of the child),
CPU time per particle per step, the delivered capacity and, against the finest level by
unknowns, the mean and max |dV| over the capacity both curves cover (from 0.2 Ah/m^2).  Then
CASE as written (no overrides) on each rank count of --ranks (mpiexec --allow-run-as-root
--oversubscribe -n R; 1 runs without mpiexec), with the wall time, the speed-up and the
parallel efficiency against one rank, whether the voltages are bit-identical, and the
capacity.  The times are the shared machine's of the moment: read the CPU column for cost.
"""
import os
import resource
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np


def run(cmd, out, sets):
    args = cmd + ["run", CASE, "-o", out, "--force", "-q"]
    for s in sets:
        args += ["--set", s]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    p = subprocess.run(args, capture_output=True, text=True)
    wall = time.time() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return p.returncode, p.stderr.strip(), wall, cpu


def curve(f):
    return f["/timeseries/capacity"][:], f["/timeseries/voltage"][:]


def main():
    global CASE
    upscale, mpiexec, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
    opts = dict(zip(sys.argv[4::2], sys.argv[5::2]))
    levels = [tuple(int(v) for v in l.split(":"))
              for l in opts.get("--levels", "50:32,50:64,50:128,100:64").split(",")]
    ranks = [int(r) for r in opts.get("--ranks", "1,2").split(",")]
    extra = [s for s in opts.get("--sets", "").split(",") if s]
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        print(f"{CASE}: 0.1C discharge with 2D particles")
        print("shells polar unknowns steps newton jacobians wall_s cpu_s "
              "cpu_us_per_particle_step capacity_Ah/m^2 status")
        for s, p in levels:
            out = os.path.join(tmp, f"l_{s}_{p}.h5")
            sets = extra + [f"numerics.shells.positive={s}", f"numerics.polar_cells.positive={p}"]
            rc, err, wall, cpu = run([upscale], out, sets)
            if not os.path.exists(out):
                print(f"{s} {p}: no output (exit {rc}): {err}")
                continue
            f = h5py.File(out, "r")
            st = f["/solver"].attrs
            nodes = len(f["/fields/particle2d_surface_flux_positive"][0])
            per = 1e6 * cpu / (nodes * st["steps"])
            print(f"{s} {p} {st['unknowns']} {st['steps']} {st['newton_iterations']} "
                  f"{st['jacobian_evaluations']} {wall:.1f} {cpu:.1f} {per:.0f} "
                  f"{f['/timeseries/capacity'][-1]:.4f} {f.attrs['status']}")
            rows.append((st["unknowns"], s, p, f))
        if rows:
            ref = max(rows, key=lambda r: r[0])
            qr, vr = curve(ref[3])
            print(f"against {ref[1]} shells x {ref[2]} polar cells:")
            for n, s, p, f in rows:
                if f is ref[3]:
                    continue
                q, v = curve(f)
                grid = np.linspace(0.2, min(q[-1], qr[-1]), 2000)
                d = np.abs(np.interp(grid, q, v) - np.interp(grid, qr, vr))
                print(f"  {s} x {p}: mean |dV| {1e3 * d.mean():.2f} mV, max {1e3 * d.max():.2f} mV,"
                      f" capacity {f['/timeseries/capacity'][-1] - ref[3]['/timeseries/capacity'][-1]:+.4f}"
                      " Ah/m^2")
        sets = []
        print("ranks (the case as written): ranks wall_s cpu_s speedup efficiency "
              "identical_to_1 capacity_Ah/m^2")
        base, v1 = None, None
        for r in ranks:
            out = os.path.join(tmp, f"r{r}.h5")
            cmd = [upscale] if r == 1 else [mpiexec, "--allow-run-as-root", "--oversubscribe",
                                             "-n", str(r), upscale]
            rc, err, wall, cpu = run(cmd, out, sets)
            if rc != 0:
                print(f"{r}: exit {rc}: {err}")
                continue
            f = h5py.File(out, "r")
            v = f["/timeseries/voltage"][:]
            base = base or wall
            v1 = v if v1 is None else v1
            print(f"{r} {wall:.1f} {cpu:.1f} {base / wall:.2f} {base / wall / r:.2f} "
                  f"{np.array_equal(v, v1)} {f['/timeseries/capacity'][-1]:.4f}")


if __name__ == "__main__":
    main()

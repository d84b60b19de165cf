#!/usr/bin/python3
"""What a 2D particle costs a process, and that it costs 1D runs nothing (issue 14).

usage: /usr/bin/python3 tests/bench/particle2d_process.py PATH/TO/upscale [N]

Prints, over N runs each (default 20): the wall time (median and minimum) and the user + system
CPU time (median, from the children's rusage) of `upscale --version`, of a 1 s rest of the
single-particle case tests/cases/single_particle_ch.yaml with the 1D particle (`upscale run`,
serial, no PETSc) and of the same rest with positive.particle_dimension: 2 (`upscale run` execs
upscale-particle2d, which starts PETSc and MPI); then one C/2 charge to 4.0 V of that case with
the 2D particle (60 shells x 8 polar cells, rtol 1e-4): wall, CPU, steps, Newton iterations,
CPU ms per step.  Numbers only, never pass/fail.
"""
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import h5py

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASE = os.path.join(SRC, "tests", "cases", "single_particle_ch.yaml")


def timed(args):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def report(name, args, n):
    w, c = zip(*(timed(args) for _ in range(n)))
    print(f"{name:34s} wall median {1e3 * statistics.median(w):8.2f} ms, min {1e3 * min(w):8.2f} "
          f"ms; CPU (user + sys) median {1e3 * statistics.median(c):8.2f} ms")


def main():
    upscale = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    with tempfile.TemporaryDirectory() as tmp:
        rest = os.path.join(tmp, "rest.yaml")
        with open(rest, "w") as f:
            f.write(f"include: {CASE}\nprotocol:\n  - mode: rest\n    duration: 1 s\n")
        out = os.path.join(tmp, "out.h5")
        print(f"{n} runs each")
        report("upscale --version", [upscale, "--version"], n)
        report("1 s rest, 1D particle", [upscale, "run", rest, "-o", out, "-q", "--force"], n)
        report("1 s rest, 2D particle (PETSc, MPI)",
               [upscale, "run", rest, "-o", out, "-q", "--force", "--set",
                "positive.particle_dimension=2"], n)
        wall, cpu = timed([upscale, "run", CASE, "-o", out, "-q", "--force", "--set",
                           "positive.particle_dimension=2"])
        with h5py.File(out, "r") as f:
            st = f["solver"].attrs
            print(f"C/2 charge, 2D particle {st['shells']} x {st['polar_cells']} "
                  f"({st['unknowns']} unknowns): wall {wall:.2f} s, CPU {cpu:.2f} s, "
                  f"solve (wall) {st['wall_time']:.2f} s, {st['steps']} steps, "
                  f"{st['newton_iterations']} Newton, {1e3 * cpu / st['steps']:.2f} ms CPU per "
                  f"step (process)")


if __name__ == "__main__":
    main()

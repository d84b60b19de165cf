#!/usr/bin/python3
"""A cell's 2D particles spread over MPI ranks (`mpiexec -n 2 upscale run CASE`: upscale execs
upscale-mpi; src/driver/schur.c).

usage: /usr/bin/python3 tests/cell2d/test_cell2d_mpi.py PATH/TO/upscale PATH/TO/mpiexec

The coarse MnFePBA discharge with 2D particles (tests/cases/pba_hc_discharge_coarse.yaml, 4
positive cells, particles of radius 0.3 um with 30 shells x 12 polar cells, a = 0.5) run in one
process and on 2 ranks: both complete, the
2-rank file is written once (by rank 0) and its time series, fields and capacity are
bit-identical to the serial run's (every rank runs the same IDA on the same, gathered, numbers);
a 1D case on 2 ranks runs and says that nothing was spread.  As root mpiexec needs
--allow-run-as-root, on 2 cores --oversubscribe.
"""
import os
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pycheck  # noqa: E402
from pycheck import check  # noqa: E402

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASE = os.path.join(SRC, "tests", "cases", "pba_hc_discharge_coarse.yaml")
SETS = ["numerics.cells.positive=4", "numerics.shells.positive=30", "positive.particle_dimension=2",
        "numerics.polar_cells.positive=12", "positive.exchange_anisotropy=0.5",
        "positive.particle_radius=0.3 um"]


def run(prefix, out, sets):
    args = prefix + ["run", CASE, "-o", out, "--force", "-q"]
    for s in sets:
        args += ["--set", s]
    return pycheck.run(*args)


def main():
    upscale, mpiexec = sys.argv[1], sys.argv[2]
    mpi = [mpiexec, "--allow-run-as-root", "--oversubscribe", "-n", "2", upscale]
    with tempfile.TemporaryDirectory() as tmp:
        one, two = os.path.join(tmp, "one.h5"), os.path.join(tmp, "two.h5")
        s1, _, e1 = run([upscale], one, SETS)
        s2, _, e2 = run(mpi, two, SETS)
        check("serial run: exit 0", s1 == 0, e1.strip())
        check("2 ranks: exit 0", s2 == 0, e2.strip())
        check("2 ranks: one output file, no temporaries left",
              sorted(os.listdir(tmp)) == ["one.h5", "two.h5"], str(os.listdir(tmp)))
        if s1 == 0 and s2 == 0:
            a, b = h5py.File(one, "r"), h5py.File(two, "r")
            check("both complete", a.attrs["status"] == "complete" == b.attrs["status"])
            for path in ("/timeseries/time", "/timeseries/voltage", "/timeseries/capacity",
                         "/fields/particle2d_concentration_positive",
                         "/fields/electrolyte_concentration"):
                check(f"2 ranks = 1 process, bit for bit: {path}",
                      np.array_equal(a[path][:], b[path][:]),
                      f"max difference {np.abs(a[path][:] - b[path][:]).max():.3e}"
                      if a[path].shape == b[path].shape else "shapes differ")
            check("2 ranks: the same steps", a["/solver"].attrs["steps"] ==
                  b["/solver"].attrs["steps"], f"{b['/solver'].attrs['steps']} steps")
        s3, _, e3 = run(mpi, os.path.join(tmp, "one_d.h5"), ["numerics.cells.positive=4"])
        check("a 1D case on 2 ranks: runs, and the note says nothing was spread",
              s3 == 0 and "only the 2D particles" in e3, e3.strip())
    return pycheck.failures


if __name__ == "__main__":
    sys.exit(main())

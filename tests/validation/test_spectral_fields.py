#!/usr/bin/python3
"""The output of a run with spectral particles (numerics.particle_discretisation) describes
its particles: read back from the file alone, the nodes' concentrations weighted by the shells
that /mesh/r_faces_<region> encloses, (rf_k+1^3 - rf_k^3) / 3, give each particle's content
exactly (the weights of the Gauss-Radau rule), so over a 1C discharge of the Newman cell the
negative electrode loses, and the positive gains, the charge passed / F at every snapshot.

usage: /usr/bin/python3 tests/validation/test_spectral_fields.py PATH/TO/upscale

Checks, for 5 negative and 4 positive nodes:
  - /mesh/r_<region> holds the nodes (ascending, the last on the surface R) and
    /mesh/r_faces_<region> their n + 1 faces from 0 to R;
  - /fields/particle_concentration_<region> has one value per node;
  - at every snapshot the solid content change of each electrode (sum over x of eps_s dx
    times the particle mean) equals -+ I t / F to 1e-9 of the charge passed (the same file
    with the faces taken as uniform shells instead misses by far more, so the check can fail).
One line per check, exit status the number of failures.
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
CASE = os.path.join(SRC, "cases", "validation", "newman_licoo2_graphite_1C.yaml")
R = 10e-6                              # m, both particles (params/doyle1996_licoo2_graphite.yaml)
EPS_S = {"negative": 1 - 0.30 - 0.10,  # 1 - porosity - filler_fraction
         "positive": 1 - 0.30 - 0.20}
FARADAY = 96487.0                      # C/mol, the case's cell.faraday_constant
NODES = {"negative": 5, "positive": 4}


def content(h, region, faces):
    """Solid content (mol/m^2) of the electrode at every snapshot, with shell volumes from
    the faces given."""
    c = h["fields/particle_concentration_" + region][:]  # (snapshot, node, shell)
    vol = (faces[1:] ** 3 - faces[:-1] ** 3) / 3.0
    mean = (c * vol).sum(axis=2) / (R ** 3 / 3.0)
    dx = h["mesh/dx"][:][h["mesh/region"][:] == (0 if region == "negative" else 2)]
    return EPS_S[region] * (mean * dx).sum(axis=1)


def main():
    exe = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="upscale_spectral_") as tmp:
        out = os.path.join(tmp, "r.h5")
        st, _, err = pycheck.run(
            exe, "run", CASE, "-o", out, "-q",
            "--set", "numerics.particle_discretisation.negative=spectral",
            "--set", "numerics.particle_discretisation.positive=spectral",
            "--set", "numerics.shells.negative=%d" % NODES["negative"],
            "--set", "numerics.shells.positive=%d" % NODES["positive"])
        if not check("spectral 1C discharge runs", st == 0, err.strip()):
            return pycheck.failures
        with h5py.File(out, "r") as h:
            t = h["fields/time"][:]
            current = h["timeseries/current"][1:]  # the first row is the rest state
            check("constant current (the charge passed is I t)",
                  np.ptp(current) <= 1e-12 * abs(current[0]), "I = %.6g A/m^2" % current[0])
            passed = current[0] * t / FARADAY  # mol/m^2
            for region, sign in (("negative", -1.0), ("positive", 1.0)):
                r = h["mesh/r_" + region][:]
                rf = h["mesh/r_faces_" + region][:]
                n = NODES[region]
                check("%s: %d node radii, ascending, the last at R" % (region, n),
                      len(r) == n and np.all(np.diff(r) > 0) and abs(r[-1] - R) < 1e-18,
                      "r = %s um" % " ".join("%.3f" % (v * 1e6) for v in r))
                check("%s: %d faces from 0 to R around the nodes" % (region, n + 1),
                      len(rf) == n + 1 and rf[0] == 0 and abs(rf[-1] - R) < 1e-18 and
                      np.all(np.diff(rf) > 0))
                shape = h["fields/particle_concentration_" + region].shape
                check("%s: the field has one value per node" % region, shape[2] == n,
                      "shape %s" % (shape,))
                q = content(h, region, rf)
                miss = np.max(np.abs((q - q[0]) - sign * passed)) / passed[-1]
                check("%s: content change = %s I t / F at all %d snapshots to 1e-9" % (
                    region, "-" if sign < 0 else "+", len(t)), miss < 1e-9,
                    "largest miss %.2e of the charge passed" % miss)
                uniform = np.linspace(0.0, R, n + 1)
                qu = content(h, region, uniform)
                miss_u = np.max(np.abs((qu - qu[0]) - sign * passed)) / passed[-1]
                check("%s: uniform shells in place of the faces miss by more (%.2e)" % (
                    region, miss_u), miss_u > 1e-4)
    return pycheck.failures


if __name__ == "__main__":
    sys.exit(main())

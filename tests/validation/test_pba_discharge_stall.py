#!/usr/bin/python3
"""The MnFePBA discharge with 1D particles stalls (issue 14; paper Sec. III.F).

usage: /usr/bin/python3 tests/validation/test_pba_discharge_stall.py PATH/TO/upscale

tests/cases/pba_hc_discharge_coarse.yaml is cases/pba_hc_discharge_0.1C.yaml (the charged
MnFePBA | hard carbon cell of Fig. 9, discharged at the charge's 0.1C to 2.5 V) on a coarse grid
(under a second).  With 1D (core-shell) particles the sodium-rich phase nucleates at the
surfaces; its diffusivity (1.9e-18 m^2/s) is 3e4 times the sodium-poor one's, so the surface
fills and the voltage reaches the cut-off with the cores still sodium-poor.  Checks:
  - the run ends complete at the 2.5 V cut-off (a named limit, not a solver failure);
  - it delivers less than half of the theoretical discharge capacity (the positive's room);
  - every positive particle ends with its surface above the sodium-rich binodal and its core
    (volume mean over r < R/2) below the sodium-poor binodal;
  - the hard carbon is not what ends it: its mean surface stoichiometry is above 0.2;
  - the cause is the slow sodium-rich phase: the same cell with the sodium-rich phase as mobile
    as the sodium-poor one delivers more than 1.6 times as much (so the checks can fail).
One line per check, exit status the number of failures.
"""
import os
import sys
import tempfile

import h5py

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pycheck  # noqa: E402
from pycheck import check  # noqa: E402

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASE = os.path.join(SRC, "tests", "cases", "pba_hc_discharge_coarse.yaml")


def text(a):
    return a.decode() if isinstance(a, bytes) else str(a)


def run(exe, out, sets=()):
    args = [exe, "run", CASE, "-o", out, "-q"]
    for s in sets:
        args += ["--set", s]
    status, _, err = pycheck.run(*args)
    if status != 0:
        print(err)
        return None
    with h5py.File(out, "r") as h:
        d = h["derived/positive"].attrs
        cmax_n = None
        for k, v in zip(h["parameters/key"][:], h["parameters/si_value"][:]):
            if text(k) == "negative.max_concentration":
                cmax_n = float(v)
        return {
            "status": text(h.attrs["status"]),
            "q": float(h["timeseries/capacity"][-1]),
            "v": float(h["timeseries/voltage"][-1]),
            "q_theory": float(h.attrs["theoretical_capacity"]),
            "c": h["fields/particle_concentration_positive"][-1],
            "r": h["mesh/r_positive"][:],
            "rf": h["mesh/r_faces_positive"][:],
            "low": float(d["binodal_low"]), "high": float(d["binodal_high"]),
            "hc_surface": float(h["fields/particle_concentration_negative"][-1][:, -1].mean()
                                / cmax_n),
        }


def main():
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        a = run(exe, os.path.join(d, "case.h5"))
        b = run(exe, os.path.join(d, "control.h5"),
                ["positive.phase_diffusivity_high=6.13e-14 m^2/s"])
    if not check("both runs exit 0", a is not None and b is not None):
        return pycheck.failures
    check("the discharge ends complete at the 2.5 V cut-off",
          a["status"] == "complete" and abs(a["v"] - 2.5) < 1e-3,
          "%s, %.4f V" % (a["status"].split(":")[0], a["v"]))
    frac = a["q"] / a["q_theory"]
    check("it delivers less than half of the theoretical discharge capacity", frac < 0.5,
          "%.4f of %.4f Ah/m^2, %.1f%%" % (a["q"], a["q_theory"], 100 * frac))
    c, rf = a["c"], a["rf"]
    vol = rf[1:] ** 3 - rf[:-1] ** 3
    inner = a["r"] < 0.5 * rf[-1]
    core = (c[:, inner] * vol[inner]).sum(axis=1) / vol[inner].sum()
    check("every surface ends above the sodium-rich binodal", (c[:, -1] > a["high"]).all(),
          "lowest %.0f, binodal %.0f mol/m^3" % (c[:, -1].min(), a["high"]))
    check("every core ends below the sodium-poor binodal", (core < a["low"]).all(),
          "highest %.1f, binodal %.1f mol/m^3" % (core.max(), a["low"]))
    check("the hard carbon is not exhausted", a["hc_surface"] > 0.2,
          "mean surface stoichiometry %.3f" % a["hc_surface"])
    check("with a mobile sodium-rich phase the same cell delivers > 1.6 times as much",
          b["status"] == "complete" and b["q"] > 1.6 * a["q"],
          "%.4f vs %.4f Ah/m^2, x %.2f" % (b["q"], a["q"], b["q"] / a["q"]))
    return pycheck.failures


if __name__ == "__main__":
    sys.exit(main())

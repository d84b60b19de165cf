#!/usr/bin/python3
"""A concentration-dependent thermodynamic factor in the diffusion potential (issue 10).

usage: /usr/bin/python3 tests/validation/test_diffusion_potential.py PATH/TO/upscale

The LiCoO2 | Li half cell (tests/cases/half_cell_licoo2.yaml) with constant D, kappa and t+
and the Valoen-Reimers thermodynamic factor 1 + dln f/dln c (c), discharged at 20 A/m^2 for
1200 s, a 250 um separator in 20 cells.  In the separator no reaction: the electrolyte
current is the cell current I, and at steady state the salt flux is the inflow at the
metal, so the closed-form steady state is

    c(x) linear,   dc/dx = -(1 - t+) I / (F eps^b D),
    phi(x2) - phi(x1) = -I (x2 - x1) / (eps^b kappa)
                        + (2 R T / F) (1 - t+) int_{c(x1)}^{c(x2)} (1 + dln f/dln c)(c) dc / c.

Checks: the profile is linear with that slope (steady state reached), and the potential
difference across the separator nodes matches the closed form to 2e-4 of the diffusion
term, while a factor taken at the initial concentration would miss it by far more (so
the check can fail).  One line per check, exit status the number of failures.
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HALF = os.path.join(SRC, "tests", "cases", "half_cell_licoo2.yaml")
F = 96487.0  # the case's faraday_constant
R, T = 8.314462618, 298.15
TPLUS, D, KAPPA, I = 0.38, 3e-10, 1.0, 20.0
failures = 0


def check(name, ok, detail=""):
    global failures
    failures += not ok
    print(("PASS: " if ok else "FAIL: ") + name + (" (%s)" % detail if detail else ""))


def tdf(c):
    """Valoen & Reimers, J. Electrochem. Soc. 152 (2005) A882, with their t+ = 0.38."""
    cm = c / 1000.0
    return (0.601 - 0.24 * np.sqrt(cm) + 0.982 * (1 - 0.0052 * (T - 294)) * cm ** 1.5) / 0.62


def diffusion_term(c1, c2, factor):
    """(2 R T / F)(1 - t+) int_{c1}^{c2} factor(c) / c dc (Gauss-Legendre, 40 points)."""
    x, w = np.polynomial.legendre.leggauss(40)
    c = 0.5 * (c2 - c1) * x + 0.5 * (c1 + c2)
    return 2 * R * T / F * (1 - TPLUS) * 0.5 * (c2 - c1) * np.sum(w * factor(c) / c)


def main():
    exe = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="upscale_dpot_") as tmp:
        out = os.path.join(tmp, "d.h5")
        sets = ["numerics.cells.separator=20", "separator.thickness=250 um", "numerics.cells.positive=10",
                "numerics.shells.positive=10", "numerics.rtol=1e-6",
                "electrolyte.diffusivity=%g m^2/s" % D,
                "electrolyte.conductivity=%g S/m" % KAPPA,
                "electrolyte.transference_number=%g" % TPLUS,
                "electrolyte.thermodynamic_factor=formula "
                "lipf6_pcecdmc_thermodynamic_factor_valoen2005",
                "protocol.0.current=%g A/m^2" % I, "protocol.0.duration=1200 s",
                "output.snapshot_interval=1200 s"]
        cmd = [exe, "run", HALF, "-o", out, "-q"]
        for s in sets:
            cmd += ["--set", s]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        check("the run completes", p.returncode == 0, p.stderr.strip()[:300])
        if p.returncode != 0:
            return failures
        with h5py.File(out, "r") as h:
            x = h["mesh/x"][:]
            region = h["mesh/region"][:]
            c = h["fields/electrolyte_concentration"][-1]
            phi = h["fields/electrolyte_potential"][-1]
            t = h["fields/time"][-1]
    sep = region == 1
    xs, cs, ps = x[sep], c[sep], phi[sep]
    check("the snapshot is the end of the 1200 s discharge", abs(t - 1200) < 1e-6, "t = %g s" % t)
    slope = -(1 - TPLUS) * I / (F * D)  # separator porosity 1: eps^b = 1
    fit = np.polyfit(xs, cs, 1)
    lin = np.max(np.abs(np.polyval(fit, xs) - cs))
    check("steady state: the separator profile is linear (within 0.05 mol/m^3)", lin < 0.05,
          "largest deviation %.3g mol/m^3" % lin)
    check("steady state: dc/dx = -(1 - t+) I / (F D) within 0.1%",
          abs(fit[0] - slope) < 1e-3 * abs(slope),
          "%.6g vs %.6g mol/m^4" % (fit[0], slope))
    check("the separator carries a real concentration difference (> 80 mol/m^3)",
          cs[0] - cs[-1] > 80, "%.1f -> %.1f mol/m^3" % (cs[0], cs[-1]))
    ohmic = -I * (xs[-1] - xs[0]) / KAPPA
    dphi = ps[-1] - ps[0]
    want = ohmic + diffusion_term(cs[0], cs[-1], tdf)
    const = ohmic + diffusion_term(cs[0], cs[-1], lambda c: tdf(1000.0) + 0 * c)
    diff = diffusion_term(cs[0], cs[-1], tdf)
    check("phi difference across the separator = closed form with the factor of c "
          "(within 2e-4 of the diffusion term)", abs(dphi - want) < 2e-4 * abs(diff),
          "%.9f V vs %.9f V, diffusion term %.5f V" % (dphi, want, diff))
    check("a factor taken at the initial concentration would be off by > 20x that tolerance",
          abs(const - want) > 20 * 2e-4 * abs(diff), "%.3g V" % abs(const - want))
    print("%d failure(s)" % failures)
    return failures


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Write the MnFePBA surrogate as a tabulated material (`ocp: mu_table FILE`).

    write_mnfepba_mu_tables.py [--surrogate params/mnfepba_surrogate.yaml]
                               [--out params/mnfepba_mu_tables] [--points 201]
                               [--temperatures 300,500,700]

Evaluates the Redlich-Kister excess of params/mnfepba_surrogate.yaml exactly as
src/materials/rk_material.c does (include/upscale/rk_material.h), per site y = x/s:
    P(u) = sum_i L_i(T) u^i,  L_i(T) = L_i_a + L_i_b T,  u = 2y - 1
    f(x, T) = d/dy [y (1 - y) P] = -u P + (1 - u^2)/2 P'       eV per Na
i.e. mu_h - E0 without the ideal term kT ln(x/(s - x)), which the simulator adds
analytically (ideal_sites: true).  One CSV per temperature on a uniform x grid over [0, s]
(the excess is finite at both ends), and the material file mnfepba.yaml that lists them
(include/upscale/mu_table.h).  L_i is linear in T, so linear interpolation between the
tables is exact in T: the only error of the tabulated material is Steffen's in x
(tests/phasefield/test_mu_table.c measures it).  numpy only.
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_mnfepba_gcmc import read_surrogate  # noqa: E402  (the surrogate's one reader)


def site_density(path):
    """The surrogate's `site_density` text, unit included (copied, not re-typed)."""
    with open(path) as fh:
        for line in fh:
            if line.startswith("site_density:"):
                return line.split("#", 1)[0].split(":", 1)[1].strip()
    sys.exit("%s: no site_density" % path)


def excess(x, T, s, a, b):
    """f(x, T) = mu_h - E0 - kT ln(y/(1-y)), eV per Na (Horner as rk_material.c)."""
    u = 2.0 * (x / s) - 1.0
    p = np.zeros_like(u)
    dp = np.zeros_like(u)
    for ai, bi in zip(a[::-1], b[::-1]):
        dp = dp * u + p
        p = p * u + (ai + bi * T)
    return -u * p + 0.5 * (1.0 - u * u) * dp


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--surrogate", default=os.path.join(root, "params", "mnfepba_surrogate.yaml"))
    ap.add_argument("--out", default=os.path.join(root, "params", "mnfepba_mu_tables"))
    ap.add_argument("--points", type=int, default=201)
    ap.add_argument("--temperatures", default="300,500,700")
    args = ap.parse_args()

    E0, s, a, b = read_surrogate(args.surrogate)
    temps = [float(t) for t in args.temperatures.split(",")]
    x = np.linspace(0.0, s, args.points)
    os.makedirs(args.out, exist_ok=True)
    entries = []
    for T in temps:
        name = "mu_excess_%.0fK.csv" % T
        f = excess(x, T, s, a, b)
        with open(os.path.join(args.out, name), "w") as fh:
            fh.write("# MnFePBA surrogate (params/mnfepba_surrogate.yaml) at %.0f K: excess "
                     "chemical potential\n# mu_h - E0 - kT ln(x/(%g - x)) per Na; written by "
                     "postproc/write_mnfepba_mu_tables.py, do not edit by hand\n" % (T, s))
            fh.write("Na per formula unit x [1],excess chemical potential [eV]\n")
            for xi, fi in zip(x, f):
                fh.write("%.17g,%.17g\n" % (xi, fi))
        entries.append((T, name))
    with open(os.path.join(args.out, "mnfepba.yaml"), "w") as fh:
        fh.write(
            "# MnFePBA (Na_x Mn[Fe(CN)6], 0 <= x <= 2) as a tabulated material "
            "(include/upscale/mu_table.h):\n"
            "# the Redlich-Kister excess of params/mnfepba_surrogate.yaml at %s K on %d points,\n"
            "# ideal site mixing added by the simulator.  Linear in T between the tables, "
            "exact for this\n# surrogate (L_i = a_i + b_i T).  Written by "
            "postproc/write_mnfepba_mu_tables.py; do not edit by hand.\n"
            % (", ".join("%.0f" % T for T in temps), args.points))
        fh.write('citation: "Tabulated from the surrogate params/mnfepba_surrogate.yaml '
                 '(constructed from published features of Yang, Woillez, Jacquet, '
                 'Van Roekeghem; NOT computed from atoms)"\n')
        fh.write("material: mnfepba\n")
        fh.write("sites_per_formula_unit: %g\n" % s)
        fh.write("site_density: %s\n" % site_density(args.surrogate))
        fh.write("reference_energy: %.6f eV     # E0 per Na against Na metal\n" % E0)
        fh.write("ideal_sites: true              # the tables hold the excess part\n")
        fh.write("tables:\n")
        for T, name in entries:
            fh.write("  - {temperature: %.0f K, file: %s}\n" % (T, name))
    print("wrote %s (%d tables of %d points)" % (args.out, len(entries), args.points))


if __name__ == "__main__":
    main()

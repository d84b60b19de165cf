#!/usr/bin/python3
"""Real LAMMPS biased-GCMC windows and unbiased scans (both branches) of the truncated
Lennard-Jones fluid (tests/data/lj_gcmc_T0.9: r_c = 3 sigma, not shifted, no tail, T* = 0.9,
V = 216 sigma^3) through `upscale import gcmc`.

Behaviour on real, short, correlated windows: every window is used (none refused), the doubtful
ones are warned about; --strict refuses them all in one message; the fit finds the liquid-vapour
gap inside the sampled range; a material file (mu_table, reduced units with --energy-eV) is
written.  The coexistence numbers are printed (docs/bridge.md quotes them).

Usage: test_lj_gcmc.py UPSCALE_EXE (from the source root).  Exit status: failed checks.
"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pycheck  # noqa: E402
from pycheck import check, number, run  # noqa: E402


DATA = "tests/data/lj_gcmc_T0.9"
V = 216.0
def main():
    exe = os.path.abspath(sys.argv[1])
    man = os.path.join(DATA, "manifest.csv")
    nwin = sum(1 for line in open(man) if re.match(r"\w+\.dat,", line))
    st, out, err = run(exe, "import", "gcmc", man, "--bootstrap", "200")
    print(out)
    check("import gcmc of the LAMMPS windows: exit 0", st == 0, err.strip()[-300:])
    check(f"all {nwin} windows in the fit", f"{nwin} windows, {nwin} in the fit" in out)
    nwarn = err.count("upscale: warning:")
    check("doubtful windows are warned about on stderr, not dropped", nwarn > 0,
          f"{nwarn} warnings")
    b1 = number(r"binodal 1 +N = ([0-9.]+) \+/- ([0-9.]+)\n", out)
    b2 = number(r"binodal 2 +N = ([0-9.]+) \+/- ([0-9.]+)\n", out)
    mu = number(r"mu_coex +(-?[0-9.]+) \+/- ([0-9.]+) eps", out)
    if check("a gap with both binodals inside the sampled range", b1 and b2 and mu):
        rv, rl = b1[0] / V, b2[0] / V
        print(f"coexistence: rho_v = {rv:.4f} +/- {b1[1] / V:.4f}, rho_l = {rl:.4f} +/- "
              f"{b2[1] / V:.4f}, mu_coex = {mu[0]:.3f} +/- {mu[1]:.2f} eps")
        check("vapour and liquid densities on the right sides (rho_v < 0.05, 0.6 < rho_l < 0.85)",
              rv < 0.05 and 0.6 < rl < 0.85, f"{rv:.4f}, {rl:.4f}")
    st, out2, err2 = run(exe, "import", "gcmc", man, "--bootstrap", "0", "--strict")
    lines = [l for l in err2.splitlines() if not l.startswith("upscale: warning:")]
    check("--strict: exit 2, every flagged window named in one message",
          st == 2 and len(lines) == 1 and f"--strict refuses {nwarn} of {nwin} windows" in lines[0],
          lines[0][:200] if lines else "")
    with tempfile.TemporaryDirectory() as tmp:
        mat = os.path.join(tmp, "lj.yaml")
        # argon-like scales: eps = 0.0103 eV, sigma^-3 = 2.53e28 m^-3; sites: one per sigma^3
        st, out3, err3 = run(exe, "import", "gcmc", man, "--bootstrap", "50", "-o", mat,
                             "--energy-eV", "0.0103", "--sites", "216", "--sites-per-fu", "1",
                             "--site-density", "2.53e28")
        check("material from one temperature in reduced units: exit 0, mu_table files",
              st == 0 and os.path.exists(mat) and any(f.endswith("K.csv") for f in os.listdir(tmp)),
              err3.strip().splitlines()[-1] if err3.strip() else "")
    print(f"{pycheck.failures} failed")
    return pycheck.failures


if __name__ == "__main__":
    sys.exit(main())

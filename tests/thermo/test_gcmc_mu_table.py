#!/usr/bin/python3
"""From GCMC windows to a charge curve through mu_table files (upscale import gcmc -o when a
Redlich-Kister fit in T is not possible).

1. The bundled MnFePBA windows at 400 K alone (one temperature): `import gcmc -o` writes a
   mu_table material with its tables, spreads and provenance; the simulator charges the
   MnFePBA | hard-carbon cell of cases/pba_hc_charge_0.5C.yaml (coarse mesh) with it, and the
   curve follows the one of the surrogate the windows were made from.
2. A lattice gas in reduced units (eps, from `upscale gcmc-lattice`): refused without
   --energy-eV (exit 2, one line, no file), written with it; the tables are the fit's mu.

Usage: test_gcmc_mu_table.py UPSCALE_EXE (run from the source root).  Needs numpy and h5py
(Debian's /usr/bin/python3).  Exit status: the number of failed checks.
"""
import hashlib
import os
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pycheck  # noqa: E402
from pycheck import check, run  # noqa: E402


def curve(path):
    with h5py.File(path, "r") as f:
        ts = f["timeseries"]
        return ts["capacity"][:], ts["voltage"][:]


COARSE = ["--set", "numerics.shells.positive=30", "--set", "numerics.shells.negative=8",
          "--set", "numerics.cells.positive=10", "--set", "numerics.cells.negative=6",
          "--set", "numerics.cells.separator=3", "--set", "numerics.rtol=1e-3", "-q"]


def mnfepba(exe, tmp):
    mat = os.path.join(tmp, "pba400.yaml")
    st, out, err = run(exe, "import", "gcmc", "params/mnfepba_gcmc/manifest.csv",
                       "--temperature", "400", "--bootstrap", "50", "-o", mat)
    check("import gcmc at one temperature -o: exit 0", st == 0, err.strip()[-300:])
    check("tables because one temperature cannot give L_i = a_i + b_i T",
          "a Redlich-Kister fit in T is not made: windows at one temperature" in out)
    tab = os.path.join(tmp, "pba400_mu_400K.csv")
    sd = os.path.join(tmp, "pba400_mu_400K_sd.csv")
    if not check("material file, table and spread table written",
                 all(os.path.exists(p) for p in (mat, tab, sd))):
        return
    text = open(mat).read()
    sha = hashlib.sha256(open("params/mnfepba_gcmc/manifest.csv", "rb").read()).hexdigest()
    check("provenance: the manifest's SHA-256", sha in text)
    check("records: spread table and derived numbers",
          "file: pba400_mu_400K_sd.csv" in text and "mu_coex_sd:" in text)
    s = np.loadtxt(sd, delimiter=",", skiprows=2)
    check("spreads of mu are finite and small (< 5 meV)",
          np.all(np.isfinite(s[:, 1])) and s[:, 1].max() < 5e-3, f"largest {s[:, 1].max():.2g} eV")

    # the simulator charges the cell with it, and with the surrogate, on the same mesh
    h_tab, h_ref = os.path.join(tmp, "tab.h5"), os.path.join(tmp, "ref.h5")
    st, _, err = run(exe, "run", "cases/pba_hc_charge_0.5C.yaml", "--set",
                     f"positive.ocp=mu_table {mat}", "-o", h_tab, *COARSE)
    check("upscale run with the mu_table material: exit 0", st == 0, err.strip()[-300:])
    st, _, err = run(exe, "run", "cases/pba_hc_charge_0.5C.yaml", "-o", h_ref, *COARSE)
    check("upscale run with the surrogate: exit 0", st == 0, err.strip()[-300:])
    if not (os.path.exists(h_tab) and os.path.exists(h_ref)):
        return
    ca, va = curve(h_tab)
    cb, vb = curve(h_ref)
    check("the charge reaches the 4.5 V cut-off", abs(va[-1] - 4.5) < 1e-6, f"{va[-1]:.6f} V")
    check("charge capacity within 0.1% of the surrogate's", abs(ca[-1] / cb[-1] - 1) < 1e-3,
          f"{ca[-1]:.4f} vs {cb[-1]:.4f} Ah/m^2")
    g = np.linspace(1.0, 0.9 * cb[-1], 60)
    dv = np.abs(np.interp(g, ca, va) - np.interp(g, cb, vb))
    check("voltage follows the surrogate's: median |dV| < 5 mV", np.median(dv) < 5e-3,
          f"median {1e3 * np.median(dv):.2f} mV, largest {1e3 * dv.max():.1f} mV")


def lattice(exe, tmp):
    d = os.path.join(tmp, "lat")
    st, _, err = run(exe, "gcmc-lattice", "--L", "16", "--T", "0.8", "--windows", "40",
                     "--sweeps", "400", "--out", d)
    if not check("gcmc-lattice L = 16: exit 0", st == 0, err.strip()[-200:]):
        return
    mat = os.path.join(tmp, "lat.yaml")
    man = os.path.join(d, "manifest.csv")
    st, _, err = run(exe, "import", "gcmc", man, "-o", mat, "--bootstrap", "20")
    check("reduced units without --energy-eV: exit 2, one line naming the option",
          st == 2 and err.count("\n") == 1 and "--energy-eV" in err and not os.path.exists(mat),
          err.strip())
    pre = os.path.join(tmp, "latfit")
    st, out, err = run(exe, "import", "gcmc", man, "-o", mat, "--bootstrap", "20",
                       "--energy-eV", "0.025", "--sites-per-fu", "1", "--site-density", "1e28",
                       "--out", pre)
    check("with --energy-eV 0.025: exit 0", st == 0, err.strip()[-300:])
    text = open(mat).read() if os.path.exists(mat) else ""
    check("ideal_sites for the lattice term; reference_energy 0",
          "ideal_sites: true" in text and "reference_energy: 0 eV" in text)
    tabs = [f for f in os.listdir(tmp) if f.startswith("lat_mu_") and not f.endswith("_sd.csv")]
    if not check("one table at the one temperature", len(tabs) == 1, ",".join(tabs)):
        return
    # T = kT [eps] x 0.025 eV / k_B; the table is the fit's mu minus the ideal term, in eV
    fit = np.genfromtxt(pre + "_fit.csv", delimiter=",", names=True, skip_header=1)
    kT = fit["kT"][0]
    T = kT * 0.025 / 8.617333262e-5
    check("the table's temperature is kT x energy-eV / k_B",
          tabs[0] == f"lat_mu_{T:g}K.csv", f"{tabs[0]}, T = {T:.6g} K")
    t = np.loadtxt(os.path.join(tmp, tabs[0]), delimiter=",", skiprows=3)
    N = fit["N"][100:900:50]
    want = 0.025 * (fit["mu"][100:900:50] - kT * np.log(N / (256.0 - N)))
    got = np.interp(N / 256.0, t[:, 0], t[:, 1])
    err_ = np.abs(got - want).max()
    check("table = (mu - kT ln(x/(1-x))) x 0.025 eV at x = N/256", err_ < 2e-4,
          f"largest difference {err_:.2g} eV (linear interpolation of 201 rows)")


def main():
    exe = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        mnfepba(exe, tmp)
        lattice(exe, tmp)
    print(f"{pycheck.failures} failed")
    return pycheck.failures


if __name__ == "__main__":
    sys.exit(main())

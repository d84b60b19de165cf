#!/usr/bin/python3
"""Biased-GCMC reconstruction written by `upscale import gcmc MANIFEST --out PREFIX`.

    plot_gcmc.py PREFIX [-o PNG]

Reads PREFIX_windows.csv, PREFIX_fit.csv and PREFIX_gaps.csv and draws, one colour per
temperature:
  (a) mu(N): the windows (eq. 17) with their error bars (se of <N> horizontally,
      2 phi se vertically; open symbols for windows left out of the fit) and the fit;
  (b) G(N) (eq. 18) minus the straight line through G at the ends of the main gap's
      common tangent (so the tangent is horizontal and the double well visible), with the
      binodals marked;
  (c) the mixing energy G - convex hull against x (per formula unit when the manifest gave
      formula_units, else per site, else N).
Without -o the PNG is PREFIX_gcmc.png.  Run with /usr/bin/python3 (Debian's numpy and
matplotlib).
"""

import argparse
import csv
import math
import sys

import matplotlib
import numpy

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


class GcmcFileError(Exception):
    pass


def read_csv(path, required):
    """Rows of a CSV whose first non-'#' line is the header; numbers where they parse."""
    try:
        with open(path, newline="") as f:
            lines = [line for line in f if not line.startswith("#")]
    except OSError as e:
        raise GcmcFileError(f"{path}: cannot read ({e.strerror})")
    rows = list(csv.DictReader(lines))
    if not rows:
        raise GcmcFileError(f"{path}: no rows")
    missing = [c for c in required if c not in rows[0]]
    if missing:
        raise GcmcFileError(f"{path}: missing columns {', '.join(missing)}")
    out = []
    for i, row in enumerate(rows):
        conv = {}
        for k, v in row.items():
            try:
                conv[k] = float(v)
            except (TypeError, ValueError):
                conv[k] = v
        for c in required:
            if not isinstance(conv[c], float):
                raise GcmcFileError(f"{path}: row {i + 1}: {c} = {row[c]!r} is not a number")
        out.append(conv)
    return out


def by_temperature(rows):
    groups = {}
    for r in rows:
        groups.setdefault(r["kT"], []).append(r)
    return groups


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("prefix")
    ap.add_argument("-o", "--output")
    a = ap.parse_args()
    try:
        windows = read_csv(a.prefix + "_windows.csv",
                           ["kT", "N", "N_se", "mu", "mu_se", "in_fit"])
        fit = read_csv(a.prefix + "_fit.csv", ["kT", "N", "x_site", "x_fu", "mu", "G", "G_mix"])
        try:
            gaps = read_csv(a.prefix + "_gaps.csv", ["kT", "main", "N1", "N2", "mu_coex"])
        except GcmcFileError as e:
            if "no rows" not in str(e):
                raise
            gaps = []
    except GcmcFileError as e:
        print(f"plot_gcmc.py: {e}", file=sys.stderr)
        return 2

    wt, ft = by_temperature(windows), by_temperature(fit)
    gt = {g["kT"]: g for g in gaps if g["main"] == 1}
    fig, ax = plt.subplots(1, 3, figsize=(16, 4.8))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, kT in enumerate(sorted(ft)):
        c = colours[k % len(colours)]
        label = f"kT = {kT:.4g}"
        w = wt.get(kT, [])
        for used, marker in ((1, "o"), (0, "s")):
            sel = [r for r in w if r["in_fit"] == used]
            if sel:
                ax[0].errorbar([r["N"] for r in sel], [r["mu"] for r in sel],
                               xerr=[r["N_se"] for r in sel], yerr=[r["mu_se"] for r in sel],
                               fmt=marker, ms=3, color=c, mfc=c if used else "none",
                               label=(label + " windows") if used else None)
        f = ft[kT]
        N = [r["N"] for r in f]
        ax[0].plot(N, [r["mu"] for r in f], "-", color=c, label=label + " fit")
        g = gt.get(kT)
        if g:
            # G minus the common tangent line: zero at both binodals
            n1, n2, m = g["N1"], g["N2"], g["mu_coex"]
            G1 = numpy.interp(n1, N, [r["G"] for r in f])
            rel = [r["G"] - (G1 + m * (r["N"] - n1)) for r in f]
            ax[1].plot(N, rel, "-", color=c, label=label)
            ax[1].plot([N[0], N[-1]], [0.0, 0.0], "--", color=c, lw=0.8)
            ax[1].plot([n1, n2], [0.0, 0.0], "o", color=c)
            ax[0].axhline(m, ls=":", color=c, lw=0.8)
        else:
            ends = (f[0]["G"], f[-1]["G"])
            slope = (ends[1] - ends[0]) / (N[-1] - N[0])
            ax[1].plot(N, [r["G"] - ends[0] - slope * (r["N"] - N[0]) for r in f], "-", color=c,
                       label=label + " (no gap)")
        if all(math.isfinite(r["x_fu"]) for r in f):
            x, xl = [r["x_fu"] for r in f], "x per formula unit"
        elif all(math.isfinite(r["x_site"]) for r in f):
            x, xl = [r["x_site"] for r in f], "site fraction x = N / N_sites"
        else:
            x, xl = N, "N per supercell"
        ax[2].plot(x, [r["G_mix"] for r in f], "-", color=c, label=label)
        ax[2].set_xlabel(xl)
    ax[0].set_xlabel("N per supercell")
    ax[0].set_ylabel("mu (eq. 17) and fit")
    ax[1].set_xlabel("N per supercell")
    ax[1].set_ylabel("G - common tangent (eq. 18)")
    ax[2].set_ylabel("mixing energy G - hull (per supercell)")
    ax[0].set_title("(a) chemical potential")
    ax[1].set_title("(b) free energy and common tangent")
    ax[2].set_title("(c) mixing energy")
    for a_ in ax:
        a_.legend(fontsize=7)
    fig.tight_layout()
    out = a.output or a.prefix + "_gcmc.png"
    fig.savefig(out, dpi=110)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

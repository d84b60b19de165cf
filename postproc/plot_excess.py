#!/usr/bin/python3
"""Excess-energy fit written by `upscale import excess TABLE.csv --csv CSV`.

    plot_excess.py CSV [-o PNG]

Reads the CSV (rows `point`: L = V/A and dE/A of each two-phase supercell; `fit`: the line
dE/A = 2 gamma + L eps_strain of eq. 5 with its 95% interval) and draws (a) dE/A against the
cell length L with the line and its band, gamma and eps_strain from the header in the
title, and (b) the residuals dE/A - fit, where the interface term (2 gamma, the intercept)
and the noise are visible at all.  Without -o the PNG is CSV with .png.  Exit status 2
with a message naming the file for a file that is not such a CSV.  Run with
/usr/bin/python3 (Debian's numpy and matplotlib).
"""

import argparse
import csv
import os
import re
import sys

import matplotlib
import numpy

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


class CsvError(Exception):
    pass


def read(path):
    try:
        with open(path, newline="") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise CsvError(f"{path}: cannot read ({e.strerror})")
    header = [line[1:].strip() for line in lines if line.startswith("#")]
    body = [(i + 1, line) for i, line in enumerate(lines) if line and not line.startswith("#")]
    if not body:
        raise CsvError(f"{path}: no header line")
    names = body[0][1].split(",")
    for c in ("kind", "L_m", "dE_per_A_J_m2", "lo", "hi"):
        if c not in names:
            raise CsvError(f"{path}: missing column {c} (written by upscale import excess --csv?)")
    pts, fit = [], []
    for (lineno, _), row in zip(body[1:], csv.DictReader([line for _, line in body])):
        try:
            L, y = float(row["L_m"]), float(row["dE_per_A_J_m2"])
            if row["kind"] == "fit":
                fit.append((L, y, float(row["lo"]), float(row["hi"])))
            elif row["kind"] == "point":
                pts.append((L, y))
            else:
                raise CsvError(f"{path}:{lineno}: unknown kind {row['kind']!r}")
        except (TypeError, ValueError):
            raise CsvError(f"{path}:{lineno}: a value is not a number")
    if len(pts) < 2 or len(fit) < 2:
        raise CsvError(f"{path}: needs points and the fitted line")
    fitline = next((h for h in header if h.startswith("gamma =")), "")
    m = re.match(r"gamma = (\S+) \+- (\S+) J/m\^2; eps_strain = (\S+) \+- (\S+) J/m\^3", fitline)
    if not m:
        raise CsvError(f"{path}: no '# gamma = ...' header line")
    return numpy.array(pts), numpy.array(fit), [float(v) for v in m.groups()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv")
    ap.add_argument("-o", "--output")
    a = ap.parse_args()
    try:
        pts, fit, (g, ge, s, se) = read(a.csv)
    except CsvError as e:
        print(f"plot_excess.py: {e}", file=sys.stderr)
        return 2
    fig, ax = plt.subplots(1, 2, figsize=(12, 4.6))
    nm = 1e9
    ax[0].fill_between(fit[:, 0] * nm, fit[:, 2], fit[:, 3], color="C0", alpha=0.25, lw=0,
                       label="95% band of the line")
    ax[0].plot(fit[:, 0] * nm, fit[:, 1], "-", color="C0",
               label="dE/A = 2 gamma + L eps_strain (eq. 5)")
    ax[0].plot(pts[:, 0] * nm, pts[:, 1], "o", color="k", ms=5, label="two-phase supercells")
    ax[0].set_xlabel("cell length normal to the interfaces L = V/A  [nm]")
    ax[0].set_ylabel("excess energy per interface area dE/A  [J/m$^2$]")
    ax[0].set_title("gamma = %.4g +- %.2g mJ/m$^2$,  eps_strain = %.5g +- %.2g MJ/m$^3$"
                    % (1e3 * g, 1e3 * ge, 1e-6 * s, 1e-6 * se), fontsize=10)
    line = numpy.interp(pts[:, 0], fit[:, 0], fit[:, 1])
    ax[1].fill_between(fit[:, 0] * nm, 1e3 * (fit[:, 2] - fit[:, 1]),
                       1e3 * (fit[:, 3] - fit[:, 1]), color="C0", alpha=0.25, lw=0,
                       label="95% band of the line")
    ax[1].axhline(0.0, color="C0")
    ax[1].plot(pts[:, 0] * nm, 1e3 * (pts[:, 1] - line), "o", color="k", ms=5,
               label="residuals")
    ax[1].errorbar([0.0], [0.0], yerr=[[0.0], [2e3 * g]], fmt="none", color="C3", capsize=4,
                   label="2 gamma (the intercept)")
    ax[1].set_xlabel("L  [nm]")
    ax[1].set_ylabel("dE/A - fit  [mJ/m$^2$]")
    ax[1].set_title("residuals: the interface term is the intercept")
    for a_ in ax:
        a_.grid(alpha=0.3)
        a_.legend(fontsize=8)
    fig.tight_layout()
    out = a.output or os.path.splitext(a.csv)[0] + ".png"
    fig.savefig(out, dpi=110)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

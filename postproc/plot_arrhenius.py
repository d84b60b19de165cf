#!/usr/bin/python3
"""Arrhenius plot written by `upscale import msd FILE... --temperatures ... --csv CSV`.

    plot_arrhenius.py CSV [-o PNG]

Reads the CSV (rows `point`: T, D, D_err per MSD series; `fit`: the line ln D = ln D0 -
Ea/(kB T) with its 95% interval on a grid of 1/T; `fit_high`/`fit_low`: the two regimes when
the change-of-slope test accepted a break; `at`: the --at predictions) and draws D against
1/T on a log axis: the points with their standard errors, the fit with its band (shaded,
dashed where extrapolated), the regimes, and the predictions.  The '#' header lines (units,
Ea, D0) go into the title.  Without -o the PNG is CSV with .png.  Exit status 2 with a
message naming the file for a file that is not such a CSV.  Run with /usr/bin/python3
(Debian's numpy and matplotlib).
"""

import argparse
import csv
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


class CsvError(Exception):
    pass


def number(row, key, path, lineno, required=True):
    text = (row.get(key) or "").strip()
    if not text:
        if required:
            raise CsvError(f"{path}:{lineno}: {key} is empty")
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise CsvError(f"{path}:{lineno}: {key} = {text!r} is not a number")


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
    rows = list(csv.DictReader([line for _, line in body]))
    need = ["kind", "T", "D", "D_lo", "D_hi", "D_err", "extrapolated"]
    missing = [c for c in need if c not in (rows[0].keys() if rows else body[0][1].split(","))]
    if missing:
        raise CsvError(f"{path}: missing columns {', '.join(missing)} "
                       "(written by upscale import msd --csv?)")
    data = {"point": [], "fit": [], "fit_high": [], "fit_low": [], "at": []}
    for (lineno, _), row in zip(body[1:], rows):
        kind = row["kind"]
        if kind not in data:
            raise CsvError(f"{path}:{lineno}: unknown kind {kind!r}")
        r = {"T": number(row, "T", path, lineno, required=kind != "point"),
             "D": number(row, "D", path, lineno),
             "name": row.get("name", "")}
        if kind == "point":
            r["err"] = number(row, "D_err", path, lineno, required=False)
        else:
            r["lo"] = number(row, "D_lo", path, lineno)
            r["hi"] = number(row, "D_hi", path, lineno)
            r["extra"] = number(row, "extrapolated", path, lineno, required=False) == 1
        if not ((r["T"] > 0 or (kind == "point" and math.isnan(r["T"]))) and r["D"] > 0):
            raise CsvError(f"{path}:{lineno}: T and D must be > 0 (got {r['T']}, {r['D']})")
        data[kind].append(r)
    if not data["point"]:
        raise CsvError(f"{path}: no points")
    return header, data


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv")
    ap.add_argument("-o", "--output")
    a = ap.parse_args()
    try:
        header, d = read(a.csv)
    except CsvError as e:
        print(f"plot_arrhenius.py: {e}", file=sys.stderr)
        return 2
    units = next((h for h in header if h.startswith("units:")), "")
    kelvin = "T in K" in units
    scale = 1000.0 if kelvin else 1.0
    xl = "1000 / T  [1/K]" if kelvin else "1 / T  (reduced)"
    fig, ax = plt.subplots(figsize=(7, 5))
    for kind, style, label in (("fit", "-", "Arrhenius fit, 95% band"),
                               ("fit_high", "--", "high-T regime"),
                               ("fit_low", ":", "low-T regime")):
        rows = d[kind]
        if not rows:
            continue
        x = [scale / r["T"] for r in rows]
        colour = "C0" if kind == "fit" else ("C2" if kind == "fit_high" else "C3")
        ax.plot(x, [r["D"] for r in rows], style, color=colour, label=label)
        if kind == "fit":
            ax.fill_between(x, [r["lo"] for r in rows], [r["hi"] for r in rows], color=colour,
                            alpha=0.2, lw=0)
            ext = [r for r in rows if r["extra"]]
            if ext:
                ax.plot([scale / r["T"] for r in ext], [r["D"] for r in ext], ".", ms=2,
                        color=colour, label="extrapolated")
    p = d["point"]
    if any(not math.isfinite(r["T"]) for r in p):
        print(f"plot_arrhenius.py: {a.csv}: points without temperatures "
              "(run upscale import msd with --temperatures)", file=sys.stderr)
        return 2
    err = [r["err"] if math.isfinite(r["err"]) else 0.0 for r in p]
    ax.errorbar([scale / r["T"] for r in p], [r["D"] for r in p], yerr=err, fmt="o", ms=4,
                color="k", capsize=2, label="D (Einstein), +- se")
    if d["at"]:
        ax.errorbar([scale / r["T"] for r in d["at"]], [r["D"] for r in d["at"]],
                    yerr=[[r["D"] - r["lo"] for r in d["at"]], [r["hi"] - r["D"] for r in d["at"]]],
                    fmt="*", ms=10, color="C1", capsize=3, label="prediction (--at), 95%")
    ax.set_yscale("log")
    ax.set_xlabel(xl)
    dunit = units.split("D in ")[1].split(";")[0] if "D in " in units else ""
    ax.set_ylabel(f"D  [{dunit}]" if dunit else "D")
    title = next((h for h in header if h.startswith("Ea =")), "")
    ax.set_title("Arrhenius: " + title.split("; weighted")[0], fontsize=9)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = a.output or os.path.splitext(a.csv)[0] + ".png"
    fig.savefig(out, dpi=110)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

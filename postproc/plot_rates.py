#!/usr/bin/python3
"""Rate capability: voltage [V] against capacity [Ah/m^2], one curve per C-rate, from the
file `upscale rates` writes; a second panel gives the capacity to the cut-off against the
C-rate.

    plot_rates.py RATES.h5 [-o PNG]

The curves come from /rate_<c>C/timeseries/{capacity,voltage} in the order of
/summary/group; the right panel from /summary/c_rate and /summary/capacity, relative to the
theoretical capacity (root attribute theoretical_capacity, the 1C basis).  A rate whose
run did not finish is drawn dashed and marked in the legend, and it is kept out of the
capacity-vs-rate curve (its capacity is where the solver stopped, not a result): the right
panel marks it apart, with an open symbol labelled "incomplete".  Without -o the PNG is written
next to the file as RATES_rates.png.  Run with /usr/bin/python3 (Debian's numpy, h5py,
matplotlib).
"""

import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import upscale_h5  # noqa: E402


def need_units(q, units, path, filename):
    if q.units != units:
        raise upscale_h5.UpscaleFileError(
            f"{filename}: {path} has units {q.units!r}, expected {units!r}")
    return q.values


def load(filename):
    """(summary dict, [(label, capacity, voltage, complete)], theoretical capacity)."""
    with upscale_h5.open_file(filename) as f:
        if "summary" not in f or "group" not in f["summary"]:
            raise upscale_h5.UpscaleFileError(
                f"{filename}: missing dataset /summary/group (not a file of `upscale rates`)")
        s = {}
        for name, units in (("c_rate", "1"), ("capacity", "Ah/m^2"), ("complete", "1"),
                            ("mean_voltage", "V")):
            s[name] = need_units(upscale_h5.read(f, "/summary/" + name), units,
                                 "/summary/" + name, filename)
        groups = upscale_h5.read(f, "/summary/group").values
        curves = []
        for c, g, ok in zip(s["c_rate"], groups, s["complete"]):
            q = need_units(upscale_h5.read(f, g + "/timeseries/capacity"), "Ah/m^2",
                           g + "/timeseries/capacity", filename)
            v = need_units(upscale_h5.read(f, g + "/timeseries/voltage"), "V",
                           g + "/timeseries/voltage", filename)
            curves.append((f"{c:g}C", q, v, bool(ok)))
        q1c = upscale_h5.load_attributes(f).get("theoretical_capacity")
        name = upscale_h5.load_attributes(f).get("case", "")
    return s, curves, q1c, name


def capacity_curve(c_rate, capacity, complete, q1c=None):
    """(rates, capacities) of the complete runs, sorted by rate, and the same of the
    incomplete ones; capacities relative to q1c when given."""
    c_rate = np.asarray(c_rate, dtype=float)
    rel = np.asarray(capacity, dtype=float) / (q1c if q1c else 1.0)
    ok = np.asarray(complete).astype(bool)
    order = np.argsort(c_rate)
    good = order[ok[order]]
    bad = order[~ok[order]]
    return (c_rate[good], rel[good]), (c_rate[bad], rel[bad])


def main(argv=None):
    ap = argparse.ArgumentParser(description="Plot a rate-capability file.")
    ap.add_argument("file", metavar="RATES.h5")
    ap.add_argument("-o", "--output", metavar="PNG")
    args = ap.parse_args(argv)
    prog = os.path.basename(sys.argv[0])
    try:
        s, curves, q1c, case = load(args.file)
    except upscale_h5.UpscaleFileError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return 1
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    colors = plt.cm.viridis(np.linspace(0.0, 0.9, max(len(curves), 1)))
    for (label, q, v, ok), col in zip(curves, colors):
        ax.plot(q, v, color=col, ls="-" if ok else "--",
                label=label + ("" if ok else " (incomplete)"))
    ax.set_xlabel("capacity [Ah/m$^2$]")
    ax.set_ylabel("voltage [V]")
    ax.legend(title="C-rate", fontsize="small")
    ax.grid(alpha=0.3)
    (xg, yg), (xb, yb) = capacity_curve(s["c_rate"], s["capacity"], s["complete"], q1c)
    ax2.set_xscale("log")
    ax2.plot(xg, yg, "o-", color="k", label="complete")
    if len(xb):
        ax2.plot(xb, yb, "x", color="tab:red", ls="none",
                 label="incomplete (where the run stopped; not a result)")
        ax2.legend(fontsize="small")
    ax2.set_xlabel("C-rate [1]")
    ax2.set_ylabel("capacity / theoretical [1]" if q1c else "capacity [Ah/m$^2$]")
    if q1c:
        ax2.set_title(f"1C = {q1c:.4g} A/m$^2$", fontsize="small")
    ax2.grid(alpha=0.3, which="both")
    fig.suptitle(os.path.splitext(os.path.basename(str(case)))[0] or args.file, fontsize="medium")
    fig.tight_layout()
    out = args.output or os.path.splitext(args.file)[0] + "_rates.png"
    fig.savefig(out, dpi=120)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

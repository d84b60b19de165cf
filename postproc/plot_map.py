#!/usr/bin/python3
"""Particle concentration maps c(x, r) at chosen times or voltages, one row per electrode.

    plot_map.py OUT.h5 [--times 0,600,1800 | --voltages 3.9,3.7,3.5] [--group rate_1C]
                [--electrode positive|negative|both] [-o PNG]

Each panel: position in the cell x [um] across, radial position r/R in the particle up (the
surface at the top), colour the stoichiometry c / c_max (c_max from /parameters
ELECTRODE.max_concentration; the concentration in mol/m^3 if the file has none).  The maps
are the stored snapshots (/fields/time): --times picks the snapshot nearest each time,
--voltages the snapshot nearest the first time the cell voltage reaches each value; the
panel title gives the snapshot's own time and voltage.  Default: four snapshots evenly
spread over the run.  --group reads one run of a file with several (upscale rates:
rate_1C).  Needs a file with fields (output.fields: true).  Without -o the PNG goes next
to the file as OUT_map.png.  Run with /usr/bin/python3.
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

REGION = {"negative": 0, "positive": 2}



def faces(centres, widths):
    """Cell faces from centres and widths (the mesh is cell-centred)."""
    f = np.empty(len(centres) + 1)
    f[:-1] = centres - 0.5 * widths
    f[-1] = centres[-1] + 0.5 * widths[-1]
    return f


def load(filename, group):
    with upscale_h5.open_file(filename) as f:
        g = upscale_h5.fields_group(f, filename, group)
        d = {"t": upscale_h5.read(f, g + "/fields/time").values,
             "ts_t": upscale_h5.read(f, g + "/timeseries/time").values,
             "ts_v": upscale_h5.read(f, g + "/timeseries/voltage").values,
             "x": upscale_h5.read(f, g + "/mesh/x").values,
             "dx": upscale_h5.read(f, g + "/mesh/dx").values,
             "region": upscale_h5.read(f, g + "/mesh/region").values}
        keys = upscale_h5.read(f, g + "/parameters/key").values
        si = upscale_h5.read(f, g + "/parameters/si_value").values
        d["params"] = dict(zip([str(k) for k in keys], si))
        for e in REGION:
            path = g + "/fields/particle_concentration_" + e
            if path in f:
                q = upscale_h5.read(f, path)
                d["c_" + e] = q.values
                d["units_" + e] = q.units
                d["rf_" + e] = upscale_h5.read(f, g + "/mesh/r_faces_" + e).values
    return d


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file", metavar="OUT.h5")
    sel = ap.add_mutually_exclusive_group()
    sel.add_argument("--times", help="comma-separated times in s")
    sel.add_argument("--voltages", help="comma-separated cell voltages in V")
    ap.add_argument("--group", default="", help="run inside the file, e.g. rate_1C")
    ap.add_argument("--electrode", choices=["positive", "negative", "both"], default="both")
    ap.add_argument("-o", "--output", metavar="PNG")
    args = ap.parse_args(argv)
    prog = os.path.basename(sys.argv[0])
    try:
        d = load(args.file, args.group)
    except upscale_h5.UpscaleFileError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return 1
    t = d["t"]
    try:
        times = args.times and upscale_h5.floats(args.times, "--times", prog)
        volts = args.voltages and upscale_h5.floats(args.voltages, "--voltages", prog)
        chosen = upscale_h5.requested_snapshots(t, d["ts_t"], d["ts_v"], times, volts, args.file,
                                                prog)
    except upscale_h5.UpscaleFileError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return 1
    if chosen is None:
        idx = np.unique(np.round(np.linspace(0, len(t) - 1, min(4, len(t)))).astype(int))
        chosen = [int(i) for i in idx], [""] * len(idx)
    snaps, labels = chosen
    electrodes = [e for e in REGION if args.electrode in (e, "both") and "c_" + e in d]
    if not electrodes:
        print(f"{prog}: {args.file}: no particle concentration for the "
              f"{args.electrode} electrode", file=sys.stderr)
        return 1
    fig, axes = plt.subplots(len(electrodes), len(snaps), squeeze=False,
                             figsize=(3.2 * len(snaps) + 1.2, 2.8 * len(electrodes)),
                             constrained_layout=True)
    for row, e in enumerate(electrodes):
        mask = d["region"] == REGION[e]
        xf = faces(d["x"][mask], d["dx"][mask]) * 1e6
        rf = d["rf_" + e] / d["rf_" + e][-1]
        cmax = d["params"].get(e + ".max_concentration")
        c = d["c_" + e]
        if cmax is not None and np.isfinite(cmax) and cmax > 0:
            c, clabel = c / cmax, f"{e}: c / c$_{{max}}$ [1]"
        else:
            clabel = f"{e}: c [{d['units_' + e]}]"
        lo, hi = np.nanmin(c[snaps]), np.nanmax(c[snaps])
        for col, (i, lab) in enumerate(zip(snaps, labels)):
            ax = axes[row][col]
            m = ax.pcolormesh(xf, rf, c[i].T, vmin=lo, vmax=hi, cmap="viridis", shading="flat")
            v = np.interp(t[i], d["ts_t"], d["ts_v"])
            ax.set_title(f"{lab + ', ' if lab else ''}t = {t[i]:.4g} s, {v:.3f} V",
                         fontsize="small")
            ax.set_xlabel("x [$\\mu$m]")
            if col == 0:
                ax.set_ylabel(f"{e}: r / R [1]")
        fig.colorbar(m, ax=list(axes[row]), label=clabel, shrink=0.9)
    out = args.output or os.path.splitext(args.file)[0] + "_map.png"
    fig.savefig(out, dpi=110)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

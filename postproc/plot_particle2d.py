#!/usr/bin/python3
"""2D particles c(r, theta) on the meridional half-disc, one per region, beside the voltage curve.

    plot_particle2d.py OUT.h5 [--times 3000,12000 | --voltages 3.2,3.0] [--group rate_1C]
                       [-o PNG]

For a full or half cell run with 2D particles (positive.particle_dimension: 2; docs/params.md
1.3.3), one row per chosen snapshot: the cell voltage against the capacity with the snapshot
marked, then three particles of the positive electrode -- the node next to the separator, the
middle node (n // 2 of n, counted from the separator) and the node next to the current
collector -- each drawn as its stoichiometry c / c_max per (r, theta) cell
(/fields/particle2d_concentration_positive [snapshot][node][theta][r]) on the particle's
meridional half-disc, x = r sin theta across and z = r cos theta up (/mesh/r_faces_positive,
/mesh/theta_faces_positive; theta = 0 at the top), in um.  The panel title gives the node's
distance from the separator.  A single 2D particle (cell.type: single_particle, run by
upscale-particle2d) gets one particle per row.  One colour scale for every particle shown
(c_max from /derived/positive or /parameters positive.max_concentration; c in mol/m^3 if the
file has neither).

The particles are the stored snapshots (/fields/time, output.snapshot_interval): --times picks
the snapshot nearest each time, --voltages the snapshot nearest the first time the cell
voltage reaches each value.  Default: three snapshots evenly spread after the start, the last
one included.  --group reads one run of a file with several (upscale rates: rate_0.1C).
Without -o the PNG goes next to the file as OUT_particle2d.png.  Run with /usr/bin/python3.
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

PROG = "plot_particle2d.py"
SUB = 8  # drawing slices per polar cell



def load(filename, group):
    """The 2D fields of one run: c [snapshot][particle][theta][r] and what goes with it."""
    with upscale_h5.open_file(filename) as f:
        g = upscale_h5.fields_group(f, filename, group)
        d = {"t": upscale_h5.read(f, g + "/fields/time").values,
             "ts_t": upscale_h5.read(f, g + "/timeseries/time").values,
             "ts_v": upscale_h5.read(f, g + "/timeseries/voltage").values,
             "ts_q": upscale_h5.read(f, g + "/timeseries/capacity").values,
             "rf": upscale_h5.read(f, g + "/mesh/r_faces_positive").values}
        cell = g + "/fields/particle2d_concentration_positive"
        single = g + "/fields/particle_concentration_positive"
        if cell in f:
            q = upscale_h5.read(f, cell)
            d["c"], d["units"] = q.values, q.units
            region = upscale_h5.read(f, g + "/mesh/region").values
            x = upscale_h5.read(f, g + "/mesh/x").values
            dx = upscale_h5.read(f, g + "/mesh/dx").values
            xp = x[region == 2]
            n = d["c"].shape[1]
            if len(xp) != n:
                raise upscale_h5.UpscaleFileError(
                    f"{filename}: {cell} has {n} nodes, /mesh/region {len(xp)} positive cells")
            sep = xp[0] - 0.5 * dx[region == 2][0]  # the separator | positive interface
            picks = [(0, "separator side"), (n // 2, "middle"), (n - 1, "collector side")]
            d["particles"] = [(a, f"{name}: node {a},\n{1e6 * (xp[a] - sep):.3g} $\\mu$m from "
                               "the separator") for a, name in picks]
        elif g + "/mesh/nodes_xz_positive" in f and single in f and f[single].ndim == 3:
            q = upscale_h5.read(f, single)
            d["c"], d["units"] = q.values[:, None], q.units
            d["particles"] = [(0, "single particle")]
        else:
            raise upscale_h5.UpscaleFileError(
                f"{filename}: missing dataset {cell} (a run with positive.particle_dimension: "
                "2 has it)")
        d["thf"] = upscale_h5.read(f, g + "/mesh/theta_faces_positive").values
        cmax = None
        if g + "/derived/positive" in f:
            cmax = upscale_h5.load_attributes(f, g + "/derived/positive").get(
                "max_concentration")
        if cmax is None and g + "/parameters/key" in f:
            keys = upscale_h5.read(f, g + "/parameters/key").values
            si = upscale_h5.read(f, g + "/parameters/si_value").values
            cmax = dict(zip([str(k) for k in keys], si)).get("positive.max_concentration")
        d["cmax"] = cmax
    ns, _, nt, nr = d["c"].shape
    if len(d["t"]) != ns or len(d["thf"]) != nt + 1 or len(d["rf"]) != nr + 1:
        raise upscale_h5.UpscaleFileError(
            f"{filename}: the 2D concentration is {d['c'].shape}, but there are {len(d['t'])} "
            f"snapshots, {len(d['thf'])} theta faces and {len(d['rf'])} r faces")
    return d


def choose(d, args):
    """Snapshot indices and their labels from --times, --voltages or the default."""
    t = d["t"]
    times = args.times and upscale_h5.floats(args.times, "--times", PROG)
    volts = args.voltages and upscale_h5.floats(args.voltages, "--voltages", PROG)
    chosen = upscale_h5.requested_snapshots(t, d["ts_t"], d["ts_v"], times, volts, args.file, PROG)
    if chosen is not None:
        return chosen
    idx = np.unique(np.round(np.linspace(0, len(t) - 1, 4)).astype(int))
    idx = idx[1:] if len(idx) > 1 else idx
    return [int(i) for i in idx], [""] * len(idx)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file", metavar="OUT.h5")
    sel = ap.add_mutually_exclusive_group()
    sel.add_argument("--times", help="comma-separated times in s")
    sel.add_argument("--voltages", help="comma-separated cell voltages in V")
    ap.add_argument("--group", default="", help="run inside the file, e.g. rate_0.1C")
    ap.add_argument("-o", "--output", metavar="PNG")
    args = ap.parse_args(argv)
    try:
        d = load(args.file, args.group)
        snaps, labels = choose(d, args)
    except upscale_h5.UpscaleFileError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 1
    c = d["c"]
    if d["cmax"] is not None and np.isfinite(d["cmax"]) and d["cmax"] > 0:
        c, clabel = c / d["cmax"], "positive: c / c$_{max}$ [1]"
    else:
        clabel = f"positive: c [{d['units']}]"
    # the meridional half-disc: corners x = r sin theta, z = r cos theta (theta-major), each
    # polar cell drawn as SUB slices so that its outer edge follows the arc
    thf = d["thf"]
    fine = np.concatenate([np.linspace(thf[k], thf[k + 1], SUB, endpoint=False)
                           for k in range(len(thf) - 1)] + [thf[-1:]])
    th, rr = np.meshgrid(fine, d["rf"] * 1e6, indexing="ij")
    xc, zc = rr * np.sin(th), rr * np.cos(th)
    parts = d["particles"]
    shown = c[snaps][:, [a for a, _ in parts]]
    lo, hi = float(np.nanmin(shown)), float(np.nanmax(shown))
    if hi <= lo:
        lo, hi = lo - 0.5e-3 * max(abs(lo), 1.0), hi + 0.5e-3 * max(abs(hi), 1.0)
    fig, axes = plt.subplots(len(snaps), 1 + len(parts), squeeze=False,
                             figsize=(3.6 + 2.3 * len(parts) + 1.0, 3.0 * len(snaps)),
                             gridspec_kw={"width_ratios": [1.6] + [1.0] * len(parts)},
                             constrained_layout=True)
    t = d["t"]
    for row, (i, lab) in enumerate(zip(snaps, labels)):
        axv = axes[row][0]
        axv.plot(d["ts_q"], d["ts_v"], "k-", lw=1.0)
        q, v = np.interp(t[i], d["ts_t"], d["ts_q"]), np.interp(t[i], d["ts_t"], d["ts_v"])
        axv.plot([q], [v], "o", color="tab:red", ms=6)
        axv.axvline(q, color="tab:red", lw=0.7)
        axv.set_title(f"{lab + ', ' if lab and not lab.startswith('t = ') else ''}t = {t[i]:.4g} s, {v:.3f} V, "
                      f"{q:.3g} Ah/m$^2$", fontsize="small")
        axv.set_xlabel("capacity [Ah/m$^2$]")
        axv.set_ylabel("cell voltage [V]")
        for col, (a, name) in enumerate(parts, start=1):
            ax = axes[row][col]
            m = ax.pcolormesh(xc, zc, np.repeat(c[i, a], SUB, axis=0), vmin=lo, vmax=hi,
                              cmap="viridis", shading="flat")
            ax.set_aspect("equal")
            ax.set_title(name, fontsize="small")
            ax.set_xlabel("x = r sin $\\theta$ [$\\mu$m]", fontsize="small")
            if col == 1:
                ax.set_ylabel("z = r cos $\\theta$ [$\\mu$m]", fontsize="small")
    fig.colorbar(m, ax=[ax for row in axes for ax in row[1:]], label=clabel, shrink=0.6)
    out = args.output or os.path.splitext(args.file)[0] + "_particle2d.png"
    fig.savefig(out, dpi=100)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Figure in the style of Fig. 9 of Yang et al.: concentration maps of the positive electrode.

usage: plot_fig9.py OUT.h5 [--times t1,t2,...] [--stoichiometry-scale 2] [-o PNG]

Panels: (top row) the particle concentration map, distance from the separator (x) times
distance from the particle surface (y, surface at the top), at the chosen snapshot times;
(middle left) the cell voltage against time with those times marked; (middle right) the time
traces of nine regions: particle surface / middle / centre, in particles next to the
separator, mid-electrode and next to the current collector, with the miscibility gap's
binodals and the sodium-rich spinodal (from /derived/positive) as horizontal lines; (bottom)
the local electrode potential phi_s - phi_e above the coexistence potential at the same three
depths.  A surface that went into the gap comes back to the sodium-rich binodal only while
that excess is close to zero; otherwise it stops where U_h equals the electrode potential
(docs/validation.md, "The missing recovery").  Concentrations are shown as stoichiometry
times --stoichiometry-scale (2 gives x per formula unit for a material with two sites per
formula unit).  Needs an output file with /fields (output.fields: true).
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


def nearest(times, wanted):
    return [int(np.argmin(np.abs(times - w))) for w in wanted]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--times", help="comma-separated snapshot times in s (default: 4 evenly spaced)")
    ap.add_argument("--stoichiometry-scale", type=float, default=2.0)
    ap.add_argument("-o", "--output")
    a = ap.parse_args()
    try:
        with upscale_h5.h5py.File(a.file, "r") as h:
            t = h["fields/time"][:]
            c = h["fields/particle_concentration_positive"][:]
            x = h["mesh/x"][:]
            region = h["mesh/region"][:]
            r = h["mesh/r_positive"][:]
            rf = h["mesh/r_faces_positive"][:]
            ts_t = h["timeseries/time"][:]
            ts_v = h["timeseries/voltage"][:]
            keys = [k.decode() if isinstance(k, bytes) else str(k) for k in h["parameters/key"][:]]
            si = h["parameters/si_value"][:]
            pot = None
            if "fields/solid_potential" in h and "fields/electrolyte_potential" in h:
                pot = (h["fields/solid_potential"][:] - h["fields/electrolyte_potential"][:])[:, region == 2]
            derived = dict(h["derived/positive"].attrs) if "derived/positive" in h else {}
            status = h.attrs.get("status", b"")
            status = status.decode() if isinstance(status, bytes) else str(status)
    except (OSError, KeyError) as e:
        sys.exit("plot_fig9.py: %s: not an upscale output with positive-electrode fields (%s)" % (a.file, e))
    p = dict(zip(keys, si))
    cmax = p.get("positive.max_concentration")
    if cmax is None or not np.isfinite(cmax):
        # A material file gives c_max: recover it from the uniform initial state.
        s0 = p.get("positive.initial_stoichiometry")
        if s0 is None or not np.isfinite(s0) or s0 <= 0:
            sys.exit("plot_fig9.py: %s: neither positive.max_concentration nor "
                     "positive.initial_stoichiometry in /parameters" % a.file)
        cmax = float(c[0].mean()) / s0
    s = a.stoichiometry_scale * c / cmax  # [snapshot, node, shell]
    xp = x[region == 2]
    xs = (xp - xp[0] + 0.5 * (xp[1] - xp[0] if len(xp) > 1 else 0)) * 1e6  # from the separator, um
    depth = (rf[-1] - r) * 1e6  # from the surface, um
    if a.times:
        idx = nearest(t, [float(v) for v in a.times.split(",")])
    else:
        idx = nearest(t, np.linspace(t[0], t[-1], 4))
    u_coex = derived.get("coexistence_potential")
    has_excess = pot is not None and u_coex is not None and np.isfinite(u_coex)
    fig = plt.figure(figsize=(4 * len(idx), 11.5 if has_excess else 8.5))
    gs = fig.add_gridspec(3 if has_excess else 2, len(idx), height_ratios=[1, 1, 0.6] if has_excess else [1, 1])
    vmin, vmax = float(np.nanmin(s)), float(np.nanmax(s))
    for k, i in enumerate(idx):
        ax = fig.add_subplot(gs[0, k])
        m = ax.pcolormesh(xs, depth, s[i].T, shading="nearest", vmin=vmin, vmax=vmax, cmap="viridis")
        ax.invert_yaxis()
        ax.set_title("t = %.0f s" % t[i])
        ax.set_xlabel("distance from separator [um]")
        if k == 0:
            ax.set_ylabel("distance from particle surface [um]")
    fig.colorbar(m, ax=fig.axes[: len(idx)], label="x (Na per formula unit)" if a.stoichiometry_scale == 2 else "stoichiometry")
    axv = fig.add_subplot(gs[1, : max(1, len(idx) // 2)])
    axv.plot(ts_t, ts_v, "k-")
    for i in idx:
        axv.axvline(t[i], color="tab:red", lw=0.8)
    axv.set_xlabel("time [s]")
    axv.set_ylabel("voltage [V]")
    axv.set_title("cell voltage" + ("" if status.startswith("complete") else " (%s)" % status[:60]))
    axt = fig.add_subplot(gs[1, max(1, len(idx) // 2):])
    nodes = {"separator": 0, "mid-electrode": len(xp) // 2, "collector": len(xp) - 1}
    shells = {"surface": -1, "middle": len(r) // 2, "centre": 0}
    colors = {"separator": "tab:blue", "mid-electrode": "tab:orange", "collector": "tab:green"}
    styles = {"surface": "-", "middle": "--", "centre": ":"}
    for nname, n in nodes.items():
        for sname, sh in shells.items():
            axt.plot(t, s[:, n, sh], styles[sname], color=colors[nname], label="%s, %s" % (nname, sname))
    # The miscibility gap: where a surface that left the sodium-rich phase should come back to.
    marks = [("binodal_high", "sodium-rich binodal", "-."), ("spinodal_high", "sodium-rich spinodal", ":"),
             ("binodal_low", "sodium-poor binodal", "-.")]
    for key, label, ls in marks:
        v = derived.get(key)
        if v is not None and np.isfinite(v):
            xv = a.stoichiometry_scale * v / cmax
            axt.axhline(xv, color="grey", lw=0.8, ls=ls)
            axt.text(t[-1], xv, " %s %.2f" % (label, xv), fontsize=7, va="bottom", ha="right", color="grey")
    axt.set_xlabel("time [s]")
    axt.set_ylabel("x" if a.stoichiometry_scale == 2 else "stoichiometry")
    axt.legend(fontsize=7, ncol=3)
    if has_excess:
        axe = fig.add_subplot(gs[2, :])
        for nname, n in nodes.items():
            axe.plot(t, 1e3 * (pot[:, n] - u_coex), "-", color=colors[nname], label=nname)
        axe.axhline(0.0, color="grey", lw=0.8)
        # The final rise (every particle emptying) would dwarf the plateau: clip at 300 mV.
        ex = 1e3 * (pot[:, list(nodes.values())] - u_coex)
        axe.set_ylim(min(-10.0, float(np.nanmin(ex))), min(300.0, float(np.nanmax(ex)) + 10.0))
        axe.set_xlabel("time [s]")
        axe.set_ylabel("phi_s - phi_e - U_coex [mV]")
        axe.set_title("electrode potential above coexistence (%.3f V): surfaces in the gap recover to "
                      "the sodium-rich binodal only near 0" % u_coex, fontsize=9)
        axe.legend(fontsize=7)
    out = a.output or os.path.splitext(a.file)[0] + "_fig9.png"
    fig.savefig(out, dpi=90, bbox_inches="tight")
    print("wrote " + os.path.abspath(out))


if __name__ == "__main__":
    main()

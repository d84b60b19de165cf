#!/usr/bin/python3
"""Plots of a sweep's results file (`upscale sweep`): heatmaps of the capacity and energy
to the cut-off over two swept keys, one panel per value of a third, and the capacity
against the C-rate, one curve per combination of the other keys (per geometry).

    plot_sweep.py RESULTS.h5 [--x KEY] [--y KEY] [--panel KEY] [--rate KEY]
                  [--where KEY=VALUE]... [-o PREFIX]

Defaults: --x, --y, --panel the first three swept keys that are not the rate key; --rate
the swept key ending in .c_rate (else .current), if any.  Keys that vary but are not
plotted must be fixed with --where (VALUE as written in the sweep file, or a number in SI
units).  Points that failed or have not run yet are grey and crossed.  Writes
PREFIX_heatmaps.png and PREFIX_rate.png (PREFIX defaults to RESULTS without .h5) and prints
their names.  Run with /usr/bin/python3.
"""

import argparse
import itertools
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import upscale_h5  # noqa: E402


class Sweep:
    """Per point (rows of /sweep/*): inputs and the recorded results (NaN if none)."""

    def __init__(self, filename):
        with upscale_h5.open_file(filename) as f:
            if "sweep" not in f or "keys" not in f["sweep"]:
                raise upscale_h5.UpscaleFileError(
                    f"{filename}: missing dataset /sweep/keys (not a results file of "
                    "`upscale sweep`)")
            self.keys = [str(k) for k in upscale_h5.read(f, "/sweep/keys").values]
            self.text = {k: upscale_h5.read(f, "/sweep/text/" + k).values for k in self.keys}
            self.value = {k: upscale_h5.read(f, "/sweep/value/" + k) for k in self.keys}
            n = len(next(iter(self.text.values()))) if self.keys else 0
            self.n = n
            self.capacity = np.full(n, np.nan)
            self.energy = np.full(n, np.nan)
            self.status = np.full(n, -1)
            self.name = upscale_h5.load_attributes(f).get("name", os.path.basename(filename))
            if "results" in f and "point" in f["results"]:
                point = f["results/point"][:, 0].astype(int)
                status = f["results/status"][:, 0].astype(int)
                self.status[point] = status
                for attr, units in (("capacity", "Ah/m^2"), ("energy", "Wh/m^2")):
                    q = upscale_h5.read(f, "/results/" + attr)
                    if q.units != units:
                        raise upscale_h5.UpscaleFileError(
                            f"{filename}: /results/{attr} has units {q.units!r}, expected "
                            f"{units!r}")
                    values = q.values[:, 0].copy()
                    values[status != 0] = np.nan
                    getattr(self, attr)[point] = values

    def levels(self, key):
        """Distinct values of key: (SI values sorted, their text)."""
        v = np.asarray(self.value[key].values, dtype=float)
        t = self.text[key]
        out = {}
        for vi, ti in zip(v, t):
            k = vi if np.isfinite(vi) else ti
            out.setdefault(k, ti if ti else f"{vi:g}")
        order = sorted(out, key=lambda k: (isinstance(k, str), k))
        return order, [out[k] for k in order]

    def key_of(self, i, key):
        v = float(self.value[key].values[i])
        return v if np.isfinite(v) else self.text[key][i]


def short(key):
    """Last part of a key for labels: positive.particle_radius -> particle_radius."""
    return key.split(".")[-1]


def matches(s, i, where):
    for key, want in where:
        text = s.text[key][i]
        if text == want:
            continue
        try:
            if abs(float(want) - float(s.value[key].values[i])) <= 1e-12 * abs(float(want)):
                continue
        except ValueError:
            pass
        return False
    return True


def heatmaps(s, xk, yk, pk, where, out):
    xs, xt = s.levels(xk)
    ys, yt = s.levels(yk)
    ps, pt = s.levels(pk) if pk else ([None], [""])
    qty = (("capacity", "capacity [Ah/m$^2$]"), ("energy", "energy [Wh/m$^2$]"))
    fig, axes = plt.subplots(2, len(ps), squeeze=False, figsize=(3.6 * len(ps) + 1.5, 6.4),
                             constrained_layout=True)
    for row, (attr, label) in enumerate(qty):
        grids = []
        for p in ps:
            z = np.full((len(ys), len(xs)), np.nan)
            have = np.zeros_like(z, dtype=bool)
            for i in range(s.n):
                if not matches(s, i, where) or (pk and s.key_of(i, pk) != p):
                    continue
                a, b = ys.index(s.key_of(i, yk)), xs.index(s.key_of(i, xk))
                z[a, b] = getattr(s, attr)[i]
                have[a, b] = True
            grids.append((z, have))
        allv = np.concatenate([g[0].ravel() for g in grids])
        lo, hi = (np.nanmin(allv), np.nanmax(allv)) if np.isfinite(allv).any() else (0, 1)
        for col, ((z, have), ptext) in enumerate(zip(grids, pt)):
            ax = axes[row][col]
            ax.set_facecolor("0.8")
            m = ax.imshow(z, origin="lower", aspect="auto", vmin=lo, vmax=hi, cmap="viridis")
            for a, b in itertools.product(range(len(ys)), range(len(xs))):
                if not np.isfinite(z[a, b]):
                    ax.plot(b, a, "x", color="0.3", ms=8)
                elif len(xs) * len(ys) <= 64:
                    ax.text(b, a, f"{z[a, b]:.3g}", ha="center", va="center", fontsize=7,
                            color="w" if z[a, b] < lo + 0.6 * (hi - lo) else "k")
            ax.set_xticks(range(len(xs)), xt, rotation=45, fontsize="small")
            ax.set_yticks(range(len(ys)), yt, fontsize="small")
            ax.set_xlabel(short(xk))
            if col == 0:
                ax.set_ylabel(short(yk))
            if pk:
                ax.set_title(f"{short(pk)} = {ptext}", fontsize="small")
        fig.colorbar(m, ax=list(axes[row]), label=label, shrink=0.9)
    fig.suptitle(f"{s.name}" + (" (" + ", ".join(f"{k}={v}" for k, v in where) + ")"
                                if where else ""), fontsize="medium")
    fig.savefig(out, dpi=110)
    plt.close(fig)


def rate_plot(s, rk, where, out):
    others = [k for k in s.keys if k != rk and k not in dict(where)]
    curves = {}
    for i in range(s.n):
        if not matches(s, i, where):
            continue
        g = tuple(s.key_of(i, k) for k in others)
        curves.setdefault(g, []).append((float(s.value[rk].values[i]), s.capacity[i]))
    text = {tuple(s.key_of(i, k) for k in others):
            [s.text[k][i] or f"{s.value[k].values[i]:g}" for k in others] for i in range(s.n)}
    fig, ax = plt.subplots(figsize=(7, 4.8), constrained_layout=True)
    for g, pts in sorted(curves.items(), key=lambda item: [str(v) for v in item[0]]
                         if any(isinstance(v, str) for v in item[0]) else item[0]):
        pts.sort()
        r, q = np.array(pts).T
        label = ", ".join(f"{short(k)} {v}" for k, v in zip(others, text[g])) or "all"
        ax.plot(r, q, "o-", ms=4, label=label)
    ax.set_xscale("log")
    ax.set_xlabel(f"{rk} [{s.value[rk].units}]")
    ax.set_ylabel("capacity to cut-off [Ah/m$^2$]")
    ax.grid(alpha=0.3, which="both")
    if len(curves) <= 40:
        ax.legend(fontsize="x-small", ncol=1 + len(curves) // 14, loc="best")
    ax.set_title(f"{s.name}: capacity against rate, one curve per geometry", fontsize="medium")
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file", metavar="RESULTS.h5")
    ap.add_argument("--x")
    ap.add_argument("--y")
    ap.add_argument("--panel")
    ap.add_argument("--rate")
    ap.add_argument("--where", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("-o", "--output", metavar="PREFIX")
    args = ap.parse_args(argv)
    prog = os.path.basename(sys.argv[0])
    try:
        s = Sweep(args.file)
    except upscale_h5.UpscaleFileError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return 1
    where = []
    for w in args.where:
        if "=" not in w or w.split("=", 1)[0] not in s.keys:
            print(f"{prog}: --where {w}: expected KEY=VALUE with KEY one of {', '.join(s.keys)}",
                  file=sys.stderr)
            return 2
        where.append(tuple(x.strip() for x in w.split("=", 1)))
    for name in ("x", "y", "panel", "rate"):
        k = getattr(args, name)
        if k and k not in s.keys:
            print(f"{prog}: --{name} {k}: not a swept key ({', '.join(s.keys)})", file=sys.stderr)
            return 2
    rk = args.rate or next((k for k in s.keys if k.endswith(".c_rate")),
                           next((k for k in s.keys if k.endswith(".current")), None))
    free = [k for k in s.keys if k not in dict(where) and k not in (args.x, args.y, args.panel)]
    pick = [k for k in free if k != rk] + ([rk] if rk in free else [])
    xk = args.x or (pick.pop(0) if pick else None)
    yk = args.y or (pick.pop(0) if pick else None)
    pk = args.panel or (pick.pop(0) if pick else None)
    prefix = args.output or os.path.splitext(args.file)[0]
    written = []
    if xk and yk:
        # A key that varies only together with x, y or the panel key (e.g. an interface width
        # given with each radius in a `list`) does not need fixing.
        def follows(k):
            seen = {}
            for i in range(len(s.value[k].values)):
                tag = tuple(s.key_of(i, q) for q in (xk, yk, pk) if q)
                if seen.setdefault(tag, s.key_of(i, k)) != s.key_of(i, k):
                    return False
            return True
        varying = [k for k in pick if len(s.levels(k)[0]) > 1 and not follows(k)]
        if varying:
            print(f"{prog}: {', '.join(varying)} also vary{'s' if len(varying) == 1 else ''}: "
                  "fix with --where KEY=VALUE", file=sys.stderr)
            return 2
        heatmaps(s, xk, yk, pk, where, prefix + "_heatmaps.png")
        written.append(prefix + "_heatmaps.png")
    if rk:
        rate_plot(s, rk, where, prefix + "_rate.png")
        written.append(prefix + "_rate.png")
    if not written:
        print(f"{prog}: {args.file}: nothing to plot (one swept key and no rate key)",
              file=sys.stderr)
        return 1
    print("\n".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())

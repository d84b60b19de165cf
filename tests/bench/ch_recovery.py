#!/usr/bin/python3
"""Why the deeper particle surfaces do not recover to the sodium-rich binodal (issue 11, item 5;
docs/validation.md, "The missing recovery").  A benchmark, not a test: it prints numbers.

usage: ch_recovery.py UPSCALE [--only hold,rate,p2d,bands] [--rtol 1e-3] [--variant N]...

Three experiments, each run cheap (coarse meshes, loose tolerance; seconds each):

hold  One MnFePBA particle in an ideal bath (tests/bench/pba_single_particle.yaml): charged at
      0.1C by 0.7 Ah/m^2, which pushes its surface into the miscibility gap (x ~ 1.16), then
      held at U_coex + dU for 3 h.  Prints the surface x at the end: where a surface that
      went into the gap comes back to when the electrode potential returns to dU above the
      coexistence potential.
rate  The same particle charged at n times 0.1C (n = 1, 10, 30): the particle carries n times
      the electrode-average flux, as the first nucleated node of an n-cell P2D electrode does.
      (At n = 20 the run does nothing: issue 11 lists this 0-step "complete" run.)
      Prints the plateau voltage above U_coex (median over the part of the charge where the
      surface is sodium-poor, x < 0.1, and the mean x is between 1.2 and 0.3) and the
      sodium-poor surface composition.
p2d   The paper's 0.1C charge (cases/pba_hc_charge_0.1C.yaml) on coarse meshes (positive
      electrode 10 cells, 25 shells, rtol 1e-3 unless the variant says otherwise), one candidate
      cause changed per row.  For the window from the first nucleation (a surface below
      x = 0.1) to the nucleation of the node next to the current collector: the median of the
      electrode potential phi_s - phi_e above U_coex at the collector node, the median and the
      largest surface x of the mid-electrode and collector nodes, the number of distinct
      nucleation events (nodes whose surface crosses x = 0.1), and the current concentration
      at the first snapshot after the first nucleation: the reaction flux of the nucleated
      node(s) over the electrode-average flux.
bands What a "surface region" shows if it is a band below the surface rather than the outermost
      shell (Fig. 9b draws regions): the paper's 0.1C charge, 10 cells, 100 shells; over the
      window above, the median and largest volume-mean x of the collector node's outer band
      of width R/50 (one shell), R/20, R/10 and R/5.
"""
import argparse
import os
import subprocess
import tempfile

import h5py
import numpy as np

SP_CASE = "tests/bench/pba_single_particle.yaml"
P2D_CASE = "cases/pba_hc_charge_0.1C.yaml"
COARSE = ["numerics.cells.negative=5", "numerics.cells.separator=3",
          "numerics.cells.positive=10", "numerics.shells.positive=25"]


RUNS = [0]


def run(exe, case, sets, out, rtol):
    RUNS[0] += 1
    out = out[:-3] + "_%d.h5" % RUNS[0]  # a fresh file per run
    cmd = [exe, "run", case, "-o", out, "-q", "--set", "numerics.rtol=%s" % rtol,
           "--set", "output.snapshot_interval=300 s"]
    for s in sets:
        cmd += ["--set", s]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if not os.path.exists(out):
        return None, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "no output"
    h = h5py.File(out, "r")
    status = h.attrs.get("status", b"")
    status = status.decode() if isinstance(status, bytes) else str(status)
    return h, status.split(":")[0]


def fields(h):
    d = h["derived/positive"].attrs
    cmax = d["max_concentration"]
    reg = h["mesh/region"][:]
    x = 2.0 * h["fields/particle_concentration_positive"][:] / cmax  # [snapshot, node, shell]
    dphi = (h["fields/solid_potential"][:] - h["fields/electrolyte_potential"][:])[:, reg == 2]
    return h["fields/time"][:], x, dphi, d["coexistence_potential"], d["binodal_high"] * 2 / cmax


def flux(h):
    return h["fields/reaction_flux"][:][:, h["mesh/region"][:] == 2]


def hold(exe, tmp, rtol):
    print("hold: single particle, 0.7 Ah/m^2 at 0.1C, then held at U_coex + dU for 3 h")
    print("| dU [mV] | surface x after the charge | surface x after 3 h | rich binodal |")
    print("|---|---|---|---|")
    h, _ = run(exe, SP_CASE, [], os.path.join(tmp, "probe.h5"), rtol)
    u_coex = h["derived/positive"].attrs["coexistence_potential"]
    h.close()
    for du in (0.0, 0.020, 0.047):
        sets = ["protocol.0.capacity_limit=0.7 Ah/m^2", "protocol.1.mode=cv",
                "protocol.1.voltage=%.6f V" % (u_coex + du), "protocol.1.duration=3 h"]
        h, st = run(exe, SP_CASE, sets, os.path.join(tmp, "hold.h5"), rtol)
        if h is None:
            print("| %.0f | %s | | |" % (1e3 * du, st))
            continue
        t, x, _, _, xb = fields(h)
        step = h["fields/step"][:]
        i1 = np.nonzero(step == 1)[0][-1]
        print("| %.0f | %.3f | %.3f | %.3f |" % (1e3 * du, x[i1, 0, -1], x[-1, 0, -1], xb))
        h.close()


def rate(exe, tmp, rtol):
    print("\nrate: single particle at n x 0.1C (n x the electrode-average flux)")
    print("| n | plateau V - U_coex [mV] | sodium-poor surface x | status |")
    print("|---|---|---|---|")
    for n in (1, 5, 10, 20):
        h, st = run(exe, SP_CASE, ["protocol.0.c_rate=%g" % (0.1 * n)],
                    os.path.join(tmp, "rate.h5"), rtol)
        if h is None:
            print("| %d | | | %s |" % (n, st))
            continue
        t, x, _, u_coex, _ = fields(h)
        r = h["mesh/r_positive"][:]
        w = h["mesh/r_faces_positive"][:]
        vol = (w[1:] ** 3 - w[:-1] ** 3)
        mean = (x[:, 0, :] * vol).sum(axis=1) / vol.sum()
        sel = (x[:, 0, -1] < 0.1) & (mean < 1.2) & (mean > 0.3)
        tv, v = h["timeseries/time"][:], h["timeseries/voltage"][:]
        vp = np.interp(t[sel], tv, v)
        print("| %d | %.1f | %.4f | %s |" % (n, 1e3 * (np.median(vp) - u_coex) if sel.any() else np.nan,
                                             np.median(x[sel, 0, -1]) if sel.any() else np.nan, st))
        h.close()
        del r


P2D_VARIANTS = [
    ("base (10 cells, 25 shells, rtol 1e-3)", []),
    ("shells 50 (interface 5 shells)", ["numerics.shells.positive=50"]),
    ("shells 100 (interface 10 shells)", ["numerics.shells.positive=100"]),
    ("2 cells", ["numerics.cells.positive=2"]),
    ("5 cells", ["numerics.cells.positive=5"]),
    ("20 cells", ["numerics.cells.positive=20"]),
    ("interface width 370 nm (R/5)", ["positive.interface_width=370 nm"]),
    ("wetting slope +2e10 mol/m^4 (dc/dr > 0: sodium-richer surface)", ["positive.surface_wetting_slope=2e10 mol/m^4"]),
    ("wetting slope -2e10 mol/m^4 (sodium-poorer surface)", ["positive.surface_wetting_slope=-2e10 mol/m^4"]),
    ("rate law bazant2013, k0 = 1 A/m^2", ["positive.rate_law=bazant2013"]),
    ("rate law bazant2013, k0 = 10 A/m^2", ["positive.rate_law=bazant2013", "positive.rate_constant=10 A/m^2"]),
    ("yang2025, j0 = 10 A/m^2", ["positive.rate_constant=10 A/m^2"]),
    ("coherency strain B = 0.2 J m^3/mol^2 (B x 5000 mol/m^3 = 10 mV)", ["positive.coherency_coefficient=0.2 J m^3/mol^2"]),
    ("sodium-rich D x 100 (1.9e-16 m^2/s)", ["positive.phase_diffusivity_high=1.9e-16 m^2/s"]),
]


def p2d(exe, tmp, rtol, variants):
    print("\np2d: paper's 0.1C charge, coarse; window = first nucleation .. collector node's nucleation")
    print("| variant | status | first nucleation [s] | nucleation events | window [s] | "
          "median phi_s - phi_e - U_coex at the collector [mV] | mid-electrode surface x: median / max | "
          "collector surface x: median / max | current concentration |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, sets in variants:
        h, st = run(exe, P2D_CASE, COARSE + sets, os.path.join(tmp, "p2d.h5"), rtol)
        if h is None:
            print("| %s | %s | | | | | | | |" % (label, st))
            continue
        t, x, dphi, u_coex, _ = fields(h)
        surf = x[:, :, -1]
        nuc = [np.argmax(surf[:, n] < 0.1) if (surf[:, n] < 0.1).any() else -1 for n in range(surf.shape[1])]
        events = len(set(i for i in nuc if i >= 0))
        valid = [i for i in nuc if i >= 0]
        if not valid:
            print("| %s | %s | none | 0 | | | | | |" % (label, st))
            h.close()
            continue
        i0 = min(valid)
        i1 = nuc[-1] if nuc[-1] > i0 else len(t)
        w = slice(i0 + 1, i1)
        mid, col = surf.shape[1] // 2, surf.shape[1] - 1
        jj = flux(h)[min(i0 + 1, len(t) - 1)]
        first = [n for n in range(surf.shape[1]) if nuc[n] == i0]
        conc = jj[first].mean() / jj.mean() if jj.mean() != 0 else np.nan
        if i1 - i0 < 2:
            print("| %s | %s | %.0f | %d | 0 | | | | %.1f |" % (label, st, t[i0], events, conc))
        else:
            print("| %s | %s | %.0f | %d | %.0f | %.1f | %.2f / %.2f | %.2f / %.2f | %.1f |" % (
                label, st, t[i0], events, t[min(i1, len(t) - 1)] - t[i0],
                1e3 * (np.median(dphi[w, col]) - u_coex), np.median(surf[w, mid]), surf[w, mid].max(),
                np.median(surf[w, col]), surf[w, col].max(), conc))
        h.close()


def bands(exe, tmp, rtol):
    print("\nbands: paper's 0.1C charge, 10 cells, 100 shells; collector node's outer band, over the window")
    print("| band width | median x | largest x |")
    print("|---|---|---|")
    h, st = run(exe, P2D_CASE, COARSE + ["numerics.shells.positive=100"], os.path.join(tmp, "bands.h5"), rtol)
    if h is None:
        print("| %s | | |" % st)
        return
    t, x, _, _, _ = fields(h)
    rf = h["mesh/r_faces_positive"][:]
    vol = rf[1:] ** 3 - rf[:-1] ** 3
    rc = 0.5 * (rf[1:] + rf[:-1])
    R = rf[-1]
    surf = x[:, :, -1]
    nuc = [np.argmax(surf[:, n] < 0.1) if (surf[:, n] < 0.1).any() else -1 for n in range(surf.shape[1])]
    i0 = min(i for i in nuc if i >= 0)
    i1 = nuc[-1] if nuc[-1] > i0 else len(t)
    w = slice(i0 + 1, i1)
    col = x.shape[1] - 1
    for frac in (1.0 / 50, 1.0 / 20, 1.0 / 10, 1.0 / 5):
        sel = rc > R * (1 - frac)
        band = (x[w, col][:, sel] * vol[sel]).sum(axis=1) / vol[sel].sum()
        print("| R/%d | %.2f | %.2f |" % (round(1 / frac), np.median(band), band.max()))
    h.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("exe")
    ap.add_argument("--only", default="hold,rate,p2d,bands")
    ap.add_argument("--rtol", default="1e-3")
    ap.add_argument("--variant", type=int, action="append", help="p2d rows to run (0-based)")
    a = ap.parse_args()
    parts = a.only.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        if "hold" in parts:
            hold(a.exe, tmp, a.rtol)
        if "rate" in parts:
            rate(a.exe, tmp, a.rtol)
        if "p2d" in parts:
            v = [P2D_VARIANTS[i] for i in a.variant] if a.variant else P2D_VARIANTS
            p2d(a.exe, tmp, a.rtol, v)
        if "bands" in parts:
            bands(a.exe, tmp, a.rtol)


if __name__ == "__main__":
    main()

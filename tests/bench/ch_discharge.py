#!/usr/bin/python3
"""The MnFePBA | hard carbon discharge with 1D particles (issue 14; docs/validation.md, "The
MnFePBA discharge with 1D particles"): the numbers that show it stalls, and why.

usage: ch_discharge.py UPSCALE [--case CASE] [--charge CHARGE_CASE | --charge-capacity Q]
                       [--no-controls] [--numerics]

CASE (default cases/pba_hc_discharge_0.1C.yaml) is the charged cell discharged at 0.1C to 2.5 V;
CHARGE_CASE (default cases/pba_hc_charge_0.1C.yaml, about 30 s) is run for the charge capacity
the discharge is compared with, and for the charged state (the electrodes' mean stoichiometries
at its end, the discharge case's initial_stoichiometry values), unless Q (Ah/m^2) is given.
x = 2 c / c_max is the sodium per formula unit of the positive (sodium-rich binodal 1.58 at
400 K, sodium-poor 0.020).  A run that ends in a solver failure (exit 3, marked incomplete) is
reported with its status and what it computed; any other failure stops the script.  Printed:
  - the rest voltage at the start, and the voltage and capacity at the snapshot where the surface
    of the last node (next to the collector) has turned sodium-rich;
  - the discharge capacity, its fraction of the charge capacity, the voltage at 10/50/90% of the
    delivered capacity, steps and user CPU time (this process's children, not wall time);
  - the positive particles at the end, as means over the third of the electrode next to the
    separator, the middle third and the third next to the collector: the surface (outer shell)
    x, the core (volume mean over r < R/2) x, the particle mean x, and the depth of the
    sodium-rich shell (from the surface to the outermost point where x < 1);
  - when the sodium-rich phase reached the surface (outer shell x > 1) of the first, middle and
    last positive node, and when every positive surface was above x = 1.9;
  - the hard carbon (surface and centre stoichiometry, means over the electrode) and the
    electrolyte (min and max) at the end, to show which electrode sets the end;
  - controls (unless --no-controls): the same discharge with the sodium-rich phase as mobile as
    the sodium-poor one (phase_diffusivity_high = phase_diffusivity_low), with a fast hard
    carbon (negative.diffusivity 1e-14 m^2/s), with both, and at `c_rate: 0.1` (the code's 1C of
    this state's discharge direction, 11% more current than the charge's);
  - with --numerics: the capacity and the voltages against positive cells, shells and rtol, and
    the case with the bounded composition unknown (the surfaces end at c_max).
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile

import h5py
import numpy as np

FRACTIONS = (0.1, 0.5, 0.9)


def user_time():
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime


def run(exe, case, out, sets=()):
    """Run the case; return the output path and the user CPU seconds.  A solver failure
    (exit 3) still wrote its results, marked incomplete; any other failure exits."""
    args = [exe, "run", case, "-o", out, "-q"]
    for s in sets:
        args += ["--set", s]
    t0 = user_time()
    p = subprocess.run(args, capture_output=True, text=True)
    dt = user_time() - t0
    if p.returncode not in (0, 3):
        sys.stderr.write("ch_discharge: %s exited %d\n%s" % (" ".join(args), p.returncode,
                                                             p.stderr))
        sys.exit(1)
    return out, dt


def text(a):
    return a.decode() if isinstance(a, bytes) else str(a)


def curve(path):
    with h5py.File(path, "r") as h:
        q = h["timeseries/capacity"][:]
        v = h["timeseries/voltage"][:]
        status = text(h.attrs["status"])
        steps = int(h["solver"].attrs["steps"])
        ocv0 = float(h["timeseries/ocv"][0])
        t = h["timeseries/time"][:]
    return q, v, status, steps, (ocv0, t)


def mark(status):
    """Nothing for a complete run, else its status (an incomplete run's numbers are partial)."""
    return "" if status == "complete" else " (%s)" % status


def voltages(q, v):
    return [float(np.interp(f * q[-1], q, v)) for f in FRACTIONS]


def state(path):
    """The end state of the positive particles by thirds of the electrode, and the rest."""
    with h5py.File(path, "r") as h:
        t = h["fields/time"][:]
        c = h["fields/particle_concentration_positive"][:]
        rf = h["mesh/r_faces_positive"][:]
        r = h["mesh/r_positive"][:]
        cmax = float(h["derived/positive"].attrs["max_concentration"])
        cn = h["fields/particle_concentration_negative"][-1]
        region = h["mesh/region"][:]
        ce = h["fields/electrolyte_concentration"][-1]
        cmax_n = None
        for k, v in zip(h["parameters/key"][:], h["parameters/si_value"][:]):
            if text(k) == "negative.max_concentration":
                cmax_n = float(v)
    x = 2.0 * c / cmax  # [snapshot, node, shell]
    vol = rf[1:] ** 3 - rf[:-1] ** 3
    R = rf[-1]
    core = r < 0.5 * R
    end = x[-1]
    nodes = end.shape[0]
    thirds = np.array_split(np.arange(nodes), 3)
    rows = []
    for name, idx in zip(("separator side", "middle", "collector side"), thirds):
        p = end[idx]
        depth = []
        for prof in p:
            poor = np.nonzero(prof < 1.0)[0]
            depth.append(R - rf[poor[-1] + 1] if len(poor) else R)
        rows.append({
            "name": "%s (nodes %d-%d)" % (name, idx[0] + 1, idx[-1] + 1),
            "surface": float(p[:, -1].mean()),
            "core": float(((p[:, core] * vol[core]).sum(axis=1) / vol[core].sum()).mean()),
            "mean": float(((p * vol).sum(axis=1) / vol.sum()).mean()),
            "shell": float(np.mean(depth)),
        })
    surf = x[:, :, -1]
    nucleation = []
    for node in (0, nodes // 2, nodes - 1):
        k = np.nonzero(surf[:, node] > 1.0)[0]
        nucleation.append((node + 1, float(t[k[0]]) if len(k) else float("nan")))
    full = np.nonzero((surf > 1.9).all(axis=1))[0]
    hc = {"surface": float(cn[:, -1].mean() / cmax_n), "centre": float(cn[:, 0].mean() / cmax_n),
          "count": int((region == 0).sum())}
    return {"rows": rows, "nucleation": nucleation,
            "saturated": float(t[full[0]]) if len(full) else float("nan"),
            "R": R, "hc": hc, "ce": (float(ce.min()), float(ce.max()))}


def stoichiometry(h, region, name):
    """Particle-mean stoichiometry of each node of one electrode at the last snapshot, and the
    electrode mean (weighted by the node widths)."""
    c = h["fields/particle_concentration_" + name][-1]
    rf = h["mesh/r_faces_" + name][:]
    vol = rf[1:] ** 3 - rf[:-1] ** 3
    cmax = None
    for k, v in zip(h["parameters/key"][:], h["parameters/si_value"][:]):
        if text(k) == name + ".max_concentration":
            cmax = float(v)
    if cmax is None:
        cmax = float(h["derived/" + name].attrs["max_concentration"])
    s = (c * vol).sum(axis=1) / vol.sum() / cmax
    dx = h["mesh/dx"][:][h["mesh/region"][:] == region]
    return s, float((s * dx).sum() / dx.sum())


def charged_state(path):
    """The electrodes' stoichiometries at the end of the charge: what the discharge case's
    initial_stoichiometry keys hold, made uniform."""
    with h5py.File(path, "r") as h:
        sp, mp = stoichiometry(h, 2, "positive")
        sn, mn = stoichiometry(h, 0, "negative")
    return mp, sp.min(), sp.max(), mn, sn.min(), sn.max()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("upscale")
    ap.add_argument("--case", default="cases/pba_hc_discharge_0.1C.yaml")
    ap.add_argument("--charge", default="cases/pba_hc_charge_0.1C.yaml")
    ap.add_argument("--charge-capacity", type=float)
    ap.add_argument("--no-controls", action="store_true")
    ap.add_argument("--numerics", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        if a.charge_capacity is None:
            out, dt = run(a.upscale, a.charge, os.path.join(d, "charge.h5"))
            qc, _, status, _, _ = curve(out)
            qcharge = float(qc[-1])
            print("charge (%s): %.4f Ah/m^2, %s, user %.1f s" % (a.charge, qcharge,
                                                                 status.split(":")[0], dt))
            e = charged_state(out)
            print("charged state: positive mean stoichiometry %.3g (nodes %.3g to %.3g), hard "
                  "carbon mean %.5f (nodes %.4f to %.4f)" % e)
        else:
            qcharge = a.charge_capacity
            print("charge capacity given: %.4f Ah/m^2" % qcharge)

        out, dt = run(a.upscale, a.case, os.path.join(d, "discharge.h5"))
        q, v, status, steps, (ocv0, time) = curve(out)
        s = state(out)
        print()
        t_last = s["nucleation"][-1][1]
        print("discharge (%s): %s; rest voltage at the start %.4f V; when the last node's "
              "surface is sodium-rich (%.0f s): %.4f V, %.4f Ah/m^2" % (
                  a.case, status, ocv0, t_last, np.interp(t_last, time, v),
                  np.interp(t_last, time, q)))
        print("| discharge capacity | fraction of the charge | V at 10% | V at 50% | V at 90% "
              "| steps | user CPU |")
        print("|---|---|---|---|---|---|---|")
        print("| %.4f Ah/m^2 | %.1f%% | %s | %d | %.1f s |" % (
            q[-1], 100 * q[-1] / qcharge, " | ".join("%.4f V" % u for u in voltages(q, v)),
            steps, dt))
        print()
        print("positive particles at the end (x = 2 c / c_max; R = %.3g um):" % (s["R"] * 1e6))
        print("| particles | surface x | core x (r < R/2) | mean x | sodium-rich shell |")
        print("|---|---|---|---|---|")
        for row in s["rows"]:
            print("| %s | %.4f | %.4f | %.4f | %.0f nm |" % (row["name"], row["surface"],
                                                            row["core"], row["mean"],
                                                            row["shell"] * 1e9))
        print()
        print("sodium-rich surface (outer shell x > 1) first at: " + ", ".join(
            "node %d %.0f s" % n for n in s["nucleation"]) +
            "; every surface above x = 1.9 from %.0f s (snapshots every 600 s)" % s["saturated"])
        print("hard carbon at the end (mean of %d nodes): surface %.4f, centre %.4f; "
              "electrolyte %.0f to %.0f mol/m^3" % (s["hc"]["count"], s["hc"]["surface"],
                                                   s["hc"]["centre"], *s["ce"]))

        if not a.no_controls:
            print()
            print("controls (the same discharge with one property changed):")
            print("| variant | capacity | fraction of the charge | V at 10% | V at 50% "
                  "| V at 90% | positive surface x, sep / mid / coll side | hard carbon surface "
                  "/ centre | user CPU |")
            print("|---|---|---|---|---|---|---|---|---|")
            fast_pba = "positive.phase_diffusivity_high=6.13e-14 m^2/s"
            fast_hc = "negative.diffusivity=1e-14 m^2/s"
            for name, sets in (("case", []),
                               ("sodium-rich D = sodium-poor D (6.13e-14 m^2/s)", [fast_pba]),
                               ("hard carbon D = 1e-14 m^2/s", [fast_hc]),
                               ("both", [fast_pba, fast_hc]),
                               ("c_rate: 0.1 (1C of the discharge direction: 1.151 A/m^2)",
                                ["protocol.0.c_rate=0.1"])):
                if sets:
                    o, t = run(a.upscale, a.case, os.path.join(d, "control.h5"), sets)
                else:
                    o, t = out, dt
                cq, cv, cstatus, _, _ = curve(o)
                cs = state(o)
                print("| %s | %.4f Ah/m^2 | %.1f%% | %s | %s | %.4f / %.4f | %.1f s |" % (
                    name + mark(cstatus), cq[-1], 100 * cq[-1] / qcharge,
                    " | ".join("%.4f V" % u for u in voltages(cq, cv)),
                    " / ".join("%.3f" % r["surface"] for r in cs["rows"]),
                    cs["hc"]["surface"], cs["hc"]["centre"], t))

        if a.numerics:
            print()
            print("numerics (positive cells and shells, rtol; the reference is 30 cells, 400 "
                  "shells, rtol 1e-6):")
            print("| cells | shells | rtol | capacity | V at 10% | V at 50% | V at 90% | capacity "
                  "- reference | max dV | steps | user CPU |")
            print("|---|---|---|---|---|---|---|---|---|---|---|")
            levels = [(30, 100, 1e-4), (30, 100, 1e-5), (30, 100, 1e-6), (30, 200, 1e-5),
                      (30, 200, 1e-6), (15, 100, 1e-6), (60, 100, 1e-6), (30, 400, 1e-6)]
            res = []
            for cells, shells, rtol in levels:
                o, t = run(a.upscale, a.case, os.path.join(d, "n.h5"),
                           ["numerics.cells.positive=%d" % cells,
                            "numerics.shells.positive=%d" % shells, "numerics.rtol=%g" % rtol,
                            "output.fields=false"])
                nq, nv, nstatus, nsteps, _ = curve(o)
                res.append((cells, shells, "%g%s" % (rtol, mark(nstatus)), nq[-1],
                            voltages(nq, nv), nsteps, t))
            ref = res[-1]
            for cells, shells, rtol, cap, vs, nsteps, t in res:
                dv = max(abs(x - y) for x, y in zip(vs, ref[4])) * 1e3
                print("| %d | %d | %s | %.4f | %s | %+.4f | %.1f mV | %d | %.1f s |" % (
                    cells, shells, rtol, cap, " | ".join("%.4f" % u for u in vs), cap - ref[3],
                    dv, nsteps, t))
            # The surfaces end at c_max: the concentration formulation crosses it on the linear
            # continuation of U_h; the bounded (logit) unknown stays inside.
            print()
            for name, sets in (("concentration (the case)", []),
                               ("bounded, numerics.phasefield_variable: logit",
                                ["numerics.phasefield_variable=logit"])):
                o, t = run(a.upscale, a.case, os.path.join(d, "b.h5"), sets)
                bq, bv, bstatus, bsteps, _ = curve(o)
                with h5py.File(o, "r") as h:
                    cmax = float(h["derived/positive"].attrs["max_concentration"])
                    top = float(h["fields/particle_concentration_positive"][-1].max()) / cmax
                print("%s: %.4f Ah/m^2, V at 10/50/90%%: %s, largest stoichiometry at the end "
                      "1 %+.1e, %d steps, user %.1f s" % (
                          name + mark(bstatus), bq[-1],
                          " / ".join("%.4f" % u for u in voltages(bq, bv)), top - 1.0, bsteps,
                          t))
    return 0


if __name__ == "__main__":
    sys.exit(main())

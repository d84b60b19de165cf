#!/usr/bin/python3
"""Protocol physics through the command line.

usage: /usr/bin/python3 tests/cli/test_protocols.py PATH/TO/upscale

Runs small protocols on the LiCoO2 half cell (tests/cases/half_cell_licoo2.yaml) and the
Newman LiCoO2 | graphite cell (cases/validation/newman_licoo2_graphite_1C.yaml), through
--set overrides or temporary case files that `include:` the repository case, and checks
what the output file says against the physics and the protocol:

  rest after discharge, CCCV charge, charge after discharge, GITT, capacity_limit,
  duration, c_rate, a --set override recorded in /parameters, physical limits (a
  particle that fills, a cut-off already passed when a step starts) reported as such, and a
  phase-field particle that leaves [0, c_max] said in the notes, and the error-test choice
  except_particle_potentials (fewer steps, the same voltage, across protocol switches), and
  the solver's count of where the steps go (by order, by the unknown with the largest error).

Prints one line per check ("PASS: ..." / "FAIL: ...") and exits with the number of
failed checks.  Needs h5py and numpy (run with /usr/bin/python3).
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pycheck  # noqa: E402
from pycheck import check  # noqa: E402


SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HALF = os.path.join(SRC, "tests", "cases", "half_cell_licoo2.yaml")
SP_CH = os.path.join(SRC, "tests", "cases", "single_particle_ch.yaml")
NEWMAN = os.path.join(SRC, "cases", "validation", "newman_licoo2_graphite_1C.yaml")
PBA_SP = os.path.join(SRC, "tests", "bench", "pba_single_particle.yaml")

class Result:
    """What one run left: exit status, stderr and the output file's contents."""

    def __init__(self, status, stderr, path):
        self.status, self.stderr, self.path = status, stderr, path
        self.ok = False
        if not os.path.exists(path):
            return
        with h5py.File(path, "r") as f:
            ts = f["timeseries"]
            self.t = ts["time"][:]
            self.V = ts["voltage"][:]
            self.I = ts["current"][:]
            self.cap = ts["capacity"][:]
            self.ocv = ts["ocv"][:]
            self.step = ts["step"][:]
            self.attrs = {k: _str(v) for k, v in f.attrs.items()}
            p = f["parameters"]
            self.params = {
                _str(k): (_str(v), _str(s))
                for k, v, s in zip(p["key"][:], p["value"][:], p["source"][:])
            }
        self.ok = True

    def rows(self, step):
        """Row mask of protocol step `step` (1-based, as in /timeseries/step)."""
        return self.step == step


def _str(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray) and v.shape == ():
        return _str(v[()])
    return v


def run(tmp, label, case, *sets):
    """upscale run CASE -o TMP/label.h5 -q --set ...; reports the run itself as a check."""
    out = os.path.join(tmp, label + ".h5")
    args = [UPSCALE, "run", case, "-o", out, "-q"]
    for s in sets:
        args += ["--set", s]
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    r = Result(p.returncode, p.stderr.strip(), out)
    check(
        f"{label}: run completes (exit status 0, status 'complete')",
        p.returncode == 0 and r.ok and r.attrs.get("status") == "complete",
        f"exit status {p.returncode}, status "
        f"{r.attrs.get('status') if r.ok else 'no file'}, stderr: {p.stderr.strip()[:300]}",
    )
    return r


def write_case(tmp, name, include, protocol, extra=""):
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write(f"include: {include}\nprotocol:\n{protocol}{extra}")
    return path


def rel(a, b):
    return abs(a - b) / abs(b)


# ---- the checks ---------------------------------------------------------------------


def rest_after_discharge(tmp):
    case = write_case(tmp, "rest", NEWMAN, """\
  - mode: discharge
    current: 24 A/m^2
    duration: 30 min
  - mode: rest
    duration: 10 h
""")
    r = run(tmp, "rest", case)
    if not r.ok:
        return
    m = r.rows(2)
    I, V, ocv, t = r.I[m], r.V[m], r.ocv[m], r.t[m]
    check("rest: rows recorded", m.sum() > 3, f"{m.sum()} rows")
    check("rest: current exactly 0 during rest", np.all(I == 0.0),
          f"max |I| = {np.max(np.abs(I)):.3g} A/m^2")
    check("rest: OCV column constant during rest (mean stoichiometries fixed)",
          np.ptp(ocv) < 1e-6, f"spread {np.ptp(ocv):.3g} V")
    gap = np.abs(V - ocv)
    dgap = np.diff(gap)
    check("rest: |V - ocv| decreases monotonically (noise 1e-7 V)", np.all(dgap <= 1e-7),
          f"largest increase {dgap.max():.3g} V")
    check("rest: V rises monotonically after a discharge (noise 1e-7 V)",
          np.all(np.diff(V) >= -1e-7), f"largest drop {-np.diff(V).min():.3g} V")
    check("rest: |V - ocv| < 2 mV after 10 h", gap[-1] < 2e-3,
          f"{1e3 * gap[-1]:.3g} mV (start {1e3 * gap[0]:.3g} mV)")
    check("rest: relaxed from a real overpotential (> 10 mV at the start)", gap[0] > 1e-2,
          f"{1e3 * gap[0]:.3g} mV")
    check("rest: ends after exactly 10 h of rest", rel(t[-1] - t[0], 36000.0) < 1e-9,
          f"rest lasted {t[-1] - t[0]!r} s")
    check("rest: capacity unchanged during rest", np.ptp(r.cap[m]) == 0.0,
          f"spread {np.ptp(r.cap[m]):.3g} Ah/m^2")


def cccv_charge(tmp):
    vset, icut = 4.2, 0.5
    case = write_case(tmp, "cccv", HALF, f"""\
  - mode: discharge
    current: 10 A/m^2
    voltage_cutoff: 3.9 V
  - mode: charge
    current: 10 A/m^2
    voltage_cutoff: {vset} V
  - mode: cv
    voltage: {vset} V
    current_cutoff: {icut} A/m^2
""")
    r = run(tmp, "cccv", case)
    if not r.ok:
        return
    cc, cv = r.rows(2), r.rows(3)
    check("cccv: CC charge ran (rows of step 2)", cc.sum() > 3, f"{cc.sum()} rows")
    check("cccv: CC charge ends at the set voltage", abs(r.V[cc][-1] - vset) < 1e-6,
          f"V = {r.V[cc][-1]!r} V")
    check("cccv: CV step ran", cv.sum() > 3, f"{cv.sum()} rows")
    if cv.sum() < 2:
        return
    V, I = r.V[cv], r.I[cv]
    check("cccv: |V - V_set| < 1e-6 V during CV", np.all(np.abs(V - vset) < 1e-6),
          f"max {np.max(np.abs(V - vset)):.3g} V")
    check("cccv: CV current is a charge current (< 0)", np.all(I < 0),
          f"max I = {I.max():.4g} A/m^2")
    a = np.abs(I)
    noise = 1e-6 * a.max()
    check("cccv: |I| decreases monotonically during CV", np.all(np.diff(a) <= noise),
          f"largest increase {np.diff(a).max():.3g} A/m^2")
    check("cccv: CV starts near the CC current", a[0] > 2 * icut, f"|I| = {a[0]:.4g} A/m^2")
    check("cccv: CV ends at the current cut-off within 1%", rel(a[-1], icut) < 0.01,
          f"|I| = {a[-1]!r} A/m^2, cut-off {icut}")


def charge_after_discharge(tmp):
    case = write_case(tmp, "recharge", NEWMAN, """\
  - mode: discharge
    current: 24 A/m^2
    duration: 30 min
  - mode: charge
    current: 12 A/m^2
    duration: 40 min
""")
    r = run(tmp, "recharge", case)
    if not r.ok:
        return
    d, c = r.rows(1), r.rows(2)
    check("recharge: current +24 A/m^2 during discharge (positive = discharge)",
          np.all(r.I[d] == 24.0), f"range [{r.I[d].min()}, {r.I[d].max()}]")
    check("recharge: current -12 A/m^2 during charge (negative sign)",
          c.sum() > 1 and np.all(r.I[c] == -12.0),
          f"range [{r.I[c].min()}, {r.I[c].max()}]" if c.sum() else "no rows")
    if c.sum() < 2:
        return
    dcap = np.diff(r.cap)
    check("recharge: capacity column never decreases", np.all(dcap >= 0),
          f"largest drop {-dcap.min():.3g} Ah/m^2")
    check("recharge: capacity keeps increasing during charge", np.all(np.diff(r.cap[c][1:]) > 0),
          f"{c.sum()} rows")
    # |charge| counted from the start: 12 Ah/m^2 out, then 8 Ah/m^2 back in.
    check("recharge: final capacity = 12 + 8 Ah/m^2 (counts |charge|)",
          rel(r.cap[-1], 20.0) < 1e-6, f"{r.cap[-1]!r} Ah/m^2")
    check("recharge: voltage rises during charge", r.V[c][-1] > r.V[c][0],
          f"{r.V[c][0]:.4f} -> {r.V[c][-1]:.4f} V")


def gitt(tmp):
    n, tp, tr, cur = 4, 600.0, 1800.0, 5.0
    case = write_case(tmp, "gitt", HALF, f"""\
  - mode: gitt
    current: {cur} A/m^2
    direction: discharge
    pulses: {n}
    pulse_duration: {tp / 60:g} min
    rest_duration: {tr / 60:g} min
    voltage_cutoff: 3.5 V
""")
    r = run(tmp, "gitt", case)
    if not r.ok:
        return
    on = r.I != 0
    # current-on periods: maximal runs of rows with I != 0 (rows in time order)
    starts = np.flatnonzero(on & ~np.concatenate(([False], on[:-1])))
    ends = np.flatnonzero(on & ~np.concatenate((on[1:], [False])))
    check(f"gitt: {n} pulses give {n} current-on periods", len(starts) == n,
          f"{len(starts)} periods")
    check("gitt: time is non-decreasing", np.all(np.diff(r.t) >= 0))
    durations = r.t[ends] - r.t[starts]
    check(f"gitt: every pulse lasts {tp:g} s (1e-6 relative)",
          len(durations) > 0 and all(rel(d, tp) < 1e-6 for d in durations),
          "durations " + ", ".join(f"{d!r}" for d in durations))
    check(f"gitt: pulse current is {cur:g} A/m^2", np.all(np.abs(r.I[on] - cur) < 1e-12 * cur),
          f"range [{r.I[on].min() if on.any() else 'nan'}, "
          f"{r.I[on].max() if on.any() else 'nan'}]")
    # rests: the steps after the pulses (even step numbers), current exactly 0
    rests = [k for k in range(2, 2 * n + 1, 2)]
    rest_ok, rest_d = True, []
    for k in rests:
        m = r.rows(k)
        if m.sum() < 2 or not np.all(r.I[m] == 0.0):
            rest_ok = False
        else:
            rest_d.append(r.t[m][-1] - r.t[m][0])
    check("gitt: every rest has I = 0 exactly", rest_ok and len(rest_d) == n,
          f"{len(rest_d)} rests")
    check(f"gitt: every rest lasts {tr:g} s (1e-6 relative)",
          len(rest_d) == n and all(rel(d, tr) < 1e-6 for d in rest_d),
          "durations " + ", ".join(f"{d!r}" for d in rest_d))
    check("gitt: charge passed = pulses x current x duration",
          rel(r.cap[-1], n * cur * tp / 3600) < 1e-6, f"{r.cap[-1]!r} Ah/m^2")


def gitt_cutoff(tmp):
    """A voltage cut-off reached in a pulse ends the whole GITT; the next entry runs."""
    case = write_case(tmp, "gitt_cutoff", HALF, """\
  - mode: gitt
    current: 30 A/m^2
    direction: discharge
    pulses: 50
    pulse_duration: 10 min
    rest_duration: 10 min
    voltage_cutoff: 3.9 V
  - mode: rest
    duration: 1 h
""")
    r = run(tmp, "gitt_cutoff", case)
    if not r.ok:
        return
    last_pulse = r.step[(r.I != 0)].max() if np.any(r.I != 0) else 0
    m = r.rows(last_pulse)
    check("gitt_cutoff: the last pulse stops at the cut-off", abs(r.V[m][-1] - 3.9) < 1e-6,
          f"V = {r.V[m][-1]!r} V in step {last_pulse}")
    check("gitt_cutoff: the sequence stops early (fewer than 50 pulses)",
          last_pulse < 2 * 50 - 1, f"last pulse is step {last_pulse}")
    final = r.rows(2 * 50 + 1)
    check("gitt_cutoff: the rest after the GITT still runs, for 1 h at I = 0",
          final.sum() > 1 and np.all(r.I[final] == 0)
          and rel(r.t[final][-1] - r.t[final][0], 3600.0) < 1e-9,
          f"{final.sum()} rows")
    check("gitt_cutoff: no step of the GITT runs after the cut-off",
          set(np.unique(r.step)) <= set(range(0, last_pulse + 1)) | {2 * 50 + 1},
          f"steps {sorted(set(np.unique(r.step).tolist()))}")


def capacity_limit(tmp):
    r = run(tmp, "capacity_limit", NEWMAN, "protocol.0.capacity_limit=5 Ah/m^2")
    if not r.ok:
        return
    check("capacity_limit: final capacity 5 Ah/m^2 (1e-6 relative)", rel(r.cap[-1], 5.0) < 1e-6,
          f"{r.cap[-1]!r} Ah/m^2")
    check("capacity_limit: stops at 5/24 h = 750 s", rel(r.t[-1], 750.0) < 1e-6,
          f"t = {r.t[-1]!r} s")
    check("capacity_limit: voltage cut-off not reached", r.V[-1] > 3.0 + 1e-3,
          f"V = {r.V[-1]:.4f} V")
    # The limit counts the charge of its own step: 5 out, then 3 back in.
    case = write_case(tmp, "capacity_limit_steps", NEWMAN, """\
  - mode: discharge
    current: 24 A/m^2
    capacity_limit: 5 Ah/m^2
  - mode: charge
    current: 10 A/m^2
    capacity_limit: 3 Ah/m^2
""")
    r = run(tmp, "capacity_limit_steps", case)
    if not r.ok:
        return
    c = r.rows(2)
    check("capacity_limit: a charge step's limit counts its own charge (3 Ah/m^2 in 1080 s)",
          c.sum() > 1 and rel(r.t[c][-1] - r.t[c][0], 1080.0) < 1e-6,
          f"charge lasted {r.t[c][-1] - r.t[c][0]!r} s")
    check("capacity_limit: capacity column ends at 5 + 3 Ah/m^2", rel(r.cap[-1], 8.0) < 1e-6,
          f"{r.cap[-1]!r} Ah/m^2")


def duration_stop(tmp):
    r = run(tmp, "duration", NEWMAN, "protocol.0.duration=1234.5 s")
    if not r.ok:
        return
    check("duration: discharge ends at exactly 1234.5 s (1e-9 relative)",
          rel(r.t[-1], 1234.5) < 1e-9, f"t = {r.t[-1]!r} s")
    check("duration: capacity = 24 A/m^2 x 1234.5 s", rel(r.cap[-1], 24 * 1234.5 / 3600) < 1e-6,
          f"{r.cap[-1]!r} Ah/m^2")
    case = write_case(tmp, "rest_only", HALF, """\
  - mode: rest
    duration: 17 min
""")
    r = run(tmp, "rest_only", case)
    if not r.ok:
        return
    check("duration: a rest ends at exactly 1020 s (1e-9 relative)",
          rel(r.t[-1], 1020.0) < 1e-9, f"t = {r.t[-1]!r} s")
    check("duration: a rest from equilibrium stays at the OCV",
          np.max(np.abs(r.V - r.ocv)) < 1e-6, f"max |V - ocv| {np.max(np.abs(r.V - r.ocv)):.3g} V")


def c_rate(tmp):
    for label, cell, rate in (("c_rate_1", NEWMAN, 1.0), ("c_rate_half", NEWMAN, 0.5),
                              ("c_rate_half_cell", HALF, 2.0)):
        case = write_case(tmp, label, cell, f"""\
  - mode: discharge
    c_rate: {rate:g}
    duration: 5 min
""")
        r = run(tmp, label, case)
        if not r.ok:
            continue
        q = float(r.attrs["theoretical_capacity"])  # Ah/m^2
        m = r.rows(1)
        want = rate * q  # A/m^2: q Ah/m^2 in 1/rate h
        check(f"{label}: I = {rate:g} x theoretical capacity ({q:.6g} Ah/m^2) / 1 h "
              "(1e-9 relative)", m.sum() > 1 and np.all(np.abs(r.I[m] - want) <= 1e-9 * want),
              f"I in [{r.I[m].min()!r}, {r.I[m].max()!r}] A/m^2, expected {want!r}")
    # The usage text's example: a command-line c_rate replaces the case's current.
    r = run(tmp, "c_rate_set", NEWMAN, "protocol.0.c_rate=2")
    if r.ok:
        q = float(r.attrs["theoretical_capacity"])
        m = r.rows(1)
        check("c_rate_set: --set protocol.0.c_rate=2 gives I = 2 x theoretical capacity / 1 h",
              m.sum() > 1 and np.all(np.abs(r.I[m] - 2 * q) <= 2e-9 * q),
              f"I in [{r.I[m].min()!r}, {r.I[m].max()!r}] A/m^2, expected {2 * q!r}")


def set_override(tmp):
    base = run(tmp, "radius_base", NEWMAN)
    new = run(tmp, "radius_5um", NEWMAN, "positive.particle_radius=5 um")
    if not (base.ok and new.ok):
        return
    # Halving the LiCoO2 radius quarters the solid diffusion time and doubles the area:
    # less overpotential, a higher voltage along the 1C discharge.
    tq = 600.0
    vb = float(np.interp(tq, base.t[base.rows(1)], base.V[base.rows(1)]))
    vn = float(np.interp(tq, new.t[new.rows(1)], new.V[new.rows(1)]))
    check("--set positive.particle_radius=5um changes the discharge curve (> 5 mV at 600 s)",
          abs(vn - vb) > 5e-3, f"V(600 s) {vb:.5f} -> {vn:.5f} V")
    check("--set positive.particle_radius=5um raises the discharge voltage",
          vn > vb, f"V(600 s) {vb:.5f} -> {vn:.5f} V")
    entry = new.params.get("positive.particle_radius")
    check("/parameters has positive.particle_radius", entry is not None)
    if entry is None:
        return
    value, source = entry
    check("/parameters/value holds the new text", "5" in value and "um" in value
          and "10" not in value, f"value '{value}'")
    check("/parameters/source says 'command line'", source.startswith("command line"),
          f"source '{source}'")
    bvalue, bsource = base.params.get("positive.particle_radius", ("?", "?"))
    check("without --set the source is the params file", "doyle1996" in bsource
          and bvalue == "10 um", f"value '{bvalue}', source '{bsource}'")


def physical_limits(tmp):
    """A positive electrode that cannot take lithium (D_s = 1e-30 m^2/s): its surface fills,
    the discharge ends at that named limit and the protocol goes on (rest, then charge).
    A discharge whose cut-off is above the starting voltage does nothing: reported, and a
    run where no step ran is not a success; a current that cannot be carried within the
    cut-off is a named limit."""
    case = write_case(tmp, "saturate", NEWMAN,
                      "  - {mode: discharge, current: 24 A/m^2, voltage_cutoff: 3.0 V}\n"
                      "  - {mode: rest, duration: 60 s}\n"
                      "  - {mode: charge, current: 12 A/m^2, duration: 30 s}\n"
                      "  - {mode: discharge, current: 24 A/m^2, voltage_cutoff: 4.5 V}\n")
    r = run(tmp, "saturate", case, "positive.diffusivity=1e-30 m^2/s")
    if not r.ok:
        return
    notes = r.attrs.get("notes", "")
    check("saturation: the note names the limit, the electrode, the place and the time",
          "step 1 ended at t = " in notes and "particle saturation" in notes
          and "positive particle surface at x = " in notes and " is full" in notes, notes)
    check("saturation: the discharge passed charge before the limit", r.cap[r.rows(1)][-1] > 0,
          f"{r.cap[r.rows(1)][-1]:.4g} Ah/m^2")
    rest = r.t[r.rows(2)]
    check("saturation: the protocol went on (60 s of rest, then the charge ran)",
          r.rows(2).sum() > 2 and abs(rest[-1] - rest[0] - 60) < 1e-6 and r.rows(3).sum() > 2,
          f"rows {r.rows(2).sum()}, {r.rows(3).sum()}")
    check("skipped step: the note says the cut-off was already passed",
          "step 4 skipped at t = " in notes and "already past its cut-off 4.5 V" in notes, notes)
    check("skipped step: no rows", r.rows(4).sum() == 0, f"{r.rows(4).sum()} rows")

    out = os.path.join(tmp, "nothing.h5")
    p = subprocess.run([UPSCALE, "run", NEWMAN, "-o", out, "-q", "--set",
                        "protocol.0.voltage_cutoff=4.5 V"], capture_output=True, text=True,
                       timeout=120)
    nothing = Result(p.returncode, p.stderr, out)
    st = nothing.attrs.get("status", "") if nothing.ok else "no file"
    check("nothing ran: exit status 3 and status 'incomplete: no step ran', naming the cut-off",
          p.returncode == 3 and st.startswith("incomplete: no step ran") and "4.5 V" in st
          and "cut-off passed at rest" in st, f"exit {p.returncode}, status '{st}'")

    # A current the cell cannot carry within the cut-off (3 um MnFePBA particles, whose
    # sodium-rich phase barely conducts, at 1C through 150 um): the voltage at that current is
    # past 4.5 V at once although the open-circuit voltage is not.  A physical limit, named,
    # not a solver failure and not a success.
    pba = os.path.join(SRC, "cases", "pba_hc_charge_0.1C.yaml")
    out = os.path.join(tmp, "unreachable.h5")
    p = subprocess.run([UPSCALE, "run", pba, "-o", out, "-q", "--set",
                        "positive.particle_radius=3um", "--set", "positive.interface_width=300nm",
                        "--set", "positive.thickness=150um", "--set", "protocol.0.c_rate=1",
                        "--set", "numerics.shells.positive=50", "--set",
                        "numerics.cells.positive=10"], capture_output=True, text=True,
                       timeout=120)
    lim = Result(p.returncode, p.stderr, out)
    st = lim.attrs.get("status", "") if lim.ok else "no file"
    check("current unreachable: exit 0, status 'limit: ...' naming the limit and the voltages",
          p.returncode == 0 and st.startswith("limit: no step could start")
          and "current unreachable" in st and "4.5 V" in st and "open circuit" in st,
          f"exit {p.returncode}, status '{st}'")


def phasefield_bounds(tmp):
    """A Cahn-Hilliard particle emptied to its cut-off: with the darken mobility (M ~ c) it
    stays inside [0, c_max] and the notes are silent; with a constant per-phase mobility the
    last sodium is pulled out below c = 0 (U_h's linear continuation below x = 1e-6 takes the
    place of the logarithmic barrier), and the notes say so with place and time."""
    r = run(tmp, "pf_darken", SP_CH)
    if r.ok:
        check("phase-field bounds: darken mobility stays inside [0, c_max], no note",
              "Cahn-Hilliard" not in r.attrs.get("notes", ""), r.attrs.get("notes", ""))
    text = open(SP_CH).read()
    for a, b in (("mobility: darken", "mobility: per_phase"),
                 ("  diffusivity: 1e-14 m^2/s",
                  "  phase_diffusivity_low: 1e-14 m^2/s\n  phase_diffusivity_high: 1e-14 m^2/s")):
        if a not in text:
            check(f"phase-field bounds: '{a}' in {SP_CH}", False)
            return
        text = text.replace(a, b)
    case = os.path.join(tmp, "pf_per_phase.yaml")
    with open(case, "w") as f:
        f.write(text)
    # rtol 1e-5: at 1e-4 the concentration run's own time error near the cut-off is 1.4 mV
    # (against 1e-5), with the potentials out of the error test (the Cahn-Hilliard default)
    tight = "numerics.rtol=1e-5"
    r = run(tmp, "pf_per_phase", case, tight)
    if r.ok:
        notes = r.attrs.get("notes", "")
        check("phase-field bounds: a particle emptied below c = 0 is said in the notes, with "
              "its stoichiometry, time and place",
              "left [0, c_max]" in notes and "below 0" in notes and "x = 25 um" in notes,
              notes)
    conc = r
    # The bounded formulation (logit unknown per shell) keeps the same particle inside, with
    # the same capacity and voltage curve.
    r = run(tmp, "pf_logit", case, "numerics.phasefield_variable=logit", tight)
    if r.ok and conc.ok:
        check("phase-field bounds: the logit formulation stays inside [0, c_max] (no note)",
              "Cahn-Hilliard" not in r.attrs.get("notes", ""), r.attrs.get("notes", ""))
        # The concentration formulation empties the particle below c = 0 on U_h's continuation,
        # which holds about EDGE (1 + F dU / RT) of the capacity beyond the bound (1e-6 x 11
        # here); the logit one ends at x ~ 1e-14.
        check("phase-field bounds: logit and concentration give the same capacity (3e-5)",
              rel(r.cap[-1], conc.cap[-1]) < 3e-5, f"{r.cap[-1]!r} vs {conc.cap[-1]!r}")
        q = np.linspace(0.0, 0.999 * min(r.cap[-1], conc.cap[-1]), 400)
        dv = np.abs(np.interp(q, r.cap, r.V) - np.interp(q, conc.cap, conc.V))
        check("phase-field bounds: logit and concentration voltages agree (max 0.5 mV up to "
              "99.9% of the capacity)", dv.max() < 5e-4, f"{1e3 * dv.max():.3g} mV")
    # The Newton test's norm (max, the Cahn-Hilliard default, or wrms) changes how far each
    # step's Newton iterates go, not the answer.  On this particle, with a fresh Jacobian at
    # every attempt (solver.c, solve_fresh), both take the same steps.
    m = run(tmp, "pf_logit_wrms", case, "numerics.phasefield_variable=logit",
            "numerics.newton_norm=wrms", tight)
    if m.ok and r.ok:
        q = np.linspace(0.0, 0.999 * min(r.cap[-1], m.cap[-1]), 400)
        dv = np.abs(np.interp(q, r.cap, r.V) - np.interp(q, m.cap, m.V))
        check("phase-field bounds: newton_norm wrms agrees with max (max 1 mV up to 99.9% of "
              "the capacity, at rtol 1e-5)",
              dv.max() < 1e-3 and
              m.params.get("numerics.newton_norm", ("",))[0] == "wrms",
              f"{1e3 * dv.max():.3g} mV")


def error_test_choice(tmp):
    """The MnFePBA particle (per-phase mobility; tests/bench/pba_single_particle.yaml) charged
    to its cut-off, rested and discharged.  The rest must start although the emptied particle
    sits a hair below c = 0 (the algebraic guess read U_h there: NaN, IDACalcIC failed before
    2026-12-07).  numerics.algebraic_error_test: except_particle_potentials leaves the
    particles' chemical potentials out of IDA's error test (IDACalcIC gets the true algebraic
    set back at each switch): fewer steps, the same voltage within 1 mV."""
    case = write_case(tmp, "errtest", PBA_SP, """\
  - mode: charge
    c_rate: 0.1
    voltage_cutoff: 4.5 V
  - mode: rest
    duration: 1 h
  - mode: discharge
    c_rate: 0.1
    duration: 30 min
""", "output:\n  fields: false\n")
    runs = {}
    for choice in ("true", "except_particle_potentials", "false"):
        r = run(tmp, "errtest_" + choice, case, "numerics.algebraic_error_test=" + choice)
        if not r.ok:
            return
        with h5py.File(r.path, "r") as f:
            r.steps = int(f["solver"].attrs["steps"])
            st = f["solver"].attrs
            order = st["steps_by_order"]
            limiter = dict(zip(_str(st["error_limiter_kinds"]).split(),
                               st["steps_by_error_limiter"]))
        # where the steps go (/solver attributes steps_by_order, steps_by_error_limiter): every accepted
        # step counted once, across the protocol's restarts; only unknowns in the error test
        # hold its largest error
        check(f"error test {choice}: steps by order and by largest error add up to the steps",
              order.sum() == r.steps and sum(limiter.values()) == r.steps,
              f"{order.sum()}, {sum(limiter.values())} against {r.steps}")
        left_out = {"true": [],
                    "except_particle_potentials": ["particle_potential"],
                    "false": ["particle_potential", "reaction_flux", "electrolyte_potential",
                              "solid_potential"]}[choice]
        check(f"error test {choice}: no step limited by an unknown left out of the test",
              all(limiter[k] == 0 for k in left_out),
              ", ".join(f"{k} {v}" for k, v in limiter.items() if v))
        runs[choice] = r
    a, b = runs["true"], runs["except_particle_potentials"]
    check("error test: the choice is recorded in /parameters",
          b.params.get("numerics.algebraic_error_test", ("",))[0] == "except_particle_potentials")
    check("error test: fewer steps without the particles' potentials",
          b.steps < a.steps, f"{b.steps} against {a.steps}")
    # the charge against capacity (to 99%: the final rise is steep), rest and discharge in time
    ca, cb = a.rows(1), b.rows(1)
    q = np.linspace(0.0, 0.99 * min(a.cap[ca][-1], b.cap[cb][-1]), 400)
    dv = [np.abs(np.interp(q, a.cap[ca], a.V[ca]) - np.interp(q, b.cap[cb], b.V[cb])).max()]
    for step in (2, 3):
        ra, rb = a.rows(step), b.rows(step)
        t = np.linspace(max(a.t[ra][0], b.t[rb][0]), min(a.t[ra][-1], b.t[rb][-1]), 400)
        dv.append(np.abs(np.interp(t, a.t[ra], a.V[ra]) - np.interp(t, b.t[rb], b.V[rb])).max())
    check("error test: the same voltage (max 1 mV in charge, rest and discharge)",
          max(dv) < 1e-3, ", ".join(f"{1e3 * x:.3g} mV" for x in dv))


def main():
    global UPSCALE
    if len(sys.argv) != 2:
        print("usage: test_protocols.py PATH/TO/upscale", file=sys.stderr)
        return 1
    UPSCALE = os.path.abspath(sys.argv[1])
    if not os.access(UPSCALE, os.X_OK):
        print(f"FAIL: program '{UPSCALE}' is not executable")
        return 1
    with tempfile.TemporaryDirectory(prefix="upscale_protocols.") as tmp:
        for test in (rest_after_discharge, cccv_charge, charge_after_discharge, gitt, gitt_cutoff,
                     capacity_limit, duration_stop, c_rate, set_override, physical_limits,
                     phasefield_bounds, error_test_choice):
            try:
                test(tmp)
            except Exception as e:  # a crash in one group is one failure, not the end
                check(f"{test.__name__}: ran without an exception", False, repr(e))
    print(f"{pycheck.failures} failure(s)")
    return min(pycheck.failures, 255)


if __name__ == "__main__":
    sys.exit(main())

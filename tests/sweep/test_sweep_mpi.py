#!/usr/bin/python3
"""`upscale sweep` on MPI ranks, through the command line.

usage: /usr/bin/python3 tests/sweep/test_sweep_mpi.py MODE PATH/TO/upscale PATH/TO/mpiexec

MODE
  vs-runs    a 2 x 2 sweep on 2 ranks gives the same capacity (1e-10 relative), energy and
             steps per point as four single `upscale run`s with the same --set; every point
             is recorded once with its inputs, units and solver statistics; 3 ranks with
             --serve (rank 0 only serves) give the same; the same command again runs
             nothing and records nothing twice.
  resume     a 24-point sweep on 2 ranks killed with SIGKILL (the whole mpiexec process
             group) once the results file holds a point, then run again: every point is
             present exactly once, the rows recorded before the kill are unchanged (same
             session, start stamp and numbers: nothing completed was recomputed) and the
             others belong to session 2.
  robust     a 24-point sweep on 2 ranks: a second sweep on the same results file is refused
             (exit 4, one line) while the first runs; SIGKILL to mpiexec alone (OpenMPI puts
             each rank in its own process group) ends its ranks within 10 s; stale
             temporaries (RESULTS.tmp, RESULTS.tmp.XXXXXX) do not stop the resume, which
             records every point once and leaves no temporary or lock file.
  failure    a point whose solver fails (a CV step at 9 V) is recorded with its message
             (status 3), the other points complete, the sweep exits 0 and its last line
             counts the failure, and with
             `outputs: true` every point has its own output file.
  bad-input  (serial `upscale sweep`, no mpiexec) unknown key, empty range, wrong unit:
             exit 2, one line on stderr, no results file; a sweep file that disagrees with
             the results file it would resume: exit 2 before any point runs, file unchanged.
  plots      postproc/plot_sweep.py and plot_rates.py write PNGs from real files.
One line per check; exit status the number of failures.  Runs mpiexec with
--allow-run-as-root --oversubscribe (CI runs as root on 2 cores).
"""
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NEWMAN = os.path.join(SRC, "cases", "validation", "newman_licoo2_graphite_1C.yaml")
# Numerics under which a point takes ~0.2-0.5 s (twice the grid, 30 shells, rtol 1e-6), so a
# sweep of 24 points is still running when the tests look at it (robust() also freezes it).
SLOW_POINTS = """  numerics.rtol: 1e-6
  numerics.cells.negative: 20
  numerics.cells.separator: 10
  numerics.cells.positive: 20
  numerics.shells.negative: 30
  numerics.shells.positive: 30
  output.fields: false"""
failures = 0


def check(name, ok, detail=""):
    global failures
    failures += not ok
    print(("PASS: " if ok else "FAIL: ") + name + (f" ({detail})" if detail else ""))
    sys.stdout.flush()
    return ok


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def mpi(mpiexec, n, upscale, *args):
    return [mpiexec, "--allow-run-as-root", "--oversubscribe", "-n", str(n), upscale, "sweep",
            *args]


def write(path, body):
    with open(path, "w") as f:
        f.write(body)
    return path


def rows(path):
    """{point: row dict} and the list of recorded points (in file order), or None."""
    with h5py.File(path, "r") as f:
        if "results" not in f:
            return {}, []
        r = f["results"]
        names = [k for k in r if isinstance(r[k], h5py.Dataset)]
        cols = {k: r[k][:, 0] for k in names}
        points = [int(p) for p in cols["point"]]
        out = {}
        for i, p in enumerate(points):
            out[p] = {k: cols[k][i] for k in names}
        return out, points


def vs_runs(upscale, mpiexec, tmp):
    sweep = write(os.path.join(tmp, "grid.yaml"), f"""base: {NEWMAN}
set:
  output.fields: false
grid:
  positive.thickness: [150 um, 183 um]
  protocol.0.c_rate: [0.5, 2]
""")
    out = os.path.join(tmp, "grid.h5")
    r = subprocess.run(mpi(mpiexec, 2, upscale, sweep, "-o", out), capture_output=True,
                       text=True, timeout=120)
    check("2 x 2 sweep on 2 ranks exits 0", r.returncode == 0, r.stderr.strip()[-300:])
    if not os.path.exists(out):
        return
    got, order = rows(out)
    check("every point recorded exactly once", sorted(order) == [0, 1, 2, 3], str(order))
    pts = [("150 um", "0.5"), ("150 um", "2"), ("183 um", "0.5"), ("183 um", "2")]
    for p, (th, c) in enumerate(pts):
        single = os.path.join(tmp, f"single{p}.h5")
        rr = subprocess.run([upscale, "run", NEWMAN, "-o", single, "-q",
                             "--set", "output.fields=false",
                             "--set", f"positive.thickness={th}", "--set",
                             f"protocol.0.c_rate={c}"], capture_output=True, text=True)
        if not check(f"point {p}: single run exits 0", rr.returncode == 0, rr.stderr.strip()):
            continue
        with h5py.File(single, "r") as g:
            cap = g["summary"].attrs["capacity"]
            energy = g["summary"].attrs["energy"]
            steps = g["solver"].attrs["steps"]
        row = got.get(p, {})
        check(f"point {p} ({th}, {c}C): capacity equals the single run's to 1e-10",
              abs(row.get("capacity", np.nan) - cap) <= 1e-10 * abs(cap),
              f"{row.get('capacity', np.nan):.12g} vs {cap:.12g} Ah/m^2")
        check(f"point {p}: energy and steps equal too",
              abs(row.get("energy", np.nan) - energy) <= 1e-10 * abs(energy)
              and row.get("steps") == steps, f"{row.get('steps')} vs {steps} steps")
    with h5py.File(out, "r") as f:
        r_ = f["results"]
        missing = [k for k in r_ if isinstance(r_[k], h5py.Dataset) and "units" not in r_[k].attrs]
        missing += [f"input/{k}" for k in r_["input"] if "units" not in r_["input"][k].attrs]
        check("every results dataset has units", not missing, str(missing))
        th = r_["input/positive.thickness"]
        check("inputs recorded in SI with units",
              text(th.attrs["units"]) == "m" and sorted(set(np.round(th[:, 0] * 1e6, 6)))
              == [150.0, 183.0], str(th[:, 0]))
        want = {"status", "capacity", "energy", "mean_voltage", "wall_time", "steps",
                "newton_iterations", "rank", "session", "start_time", "max_overpotential"}
        check("summary columns present", want <= set(r_), str(sorted(want - set(r_))))
        check("all points complete", bool(np.all(r_["status"][:, 0] == 0)))
        check("definition and hash stored",
              len(text(f.attrs["sweep_hash"])) == 16
              and "point 3: positive.thickness=183 um; protocol.0.c_rate=2"
              in text(f["sweep/definition"][0]))
        ranks = sorted(set(int(x) for x in r_["rank"][:, 0]))
        print(f"note: points ran on ranks {ranks}")
    served = os.path.join(tmp, "served.h5")
    r = subprocess.run(mpi(mpiexec, 3, upscale, sweep, "-o", served, "--serve"),
                       capture_output=True, text=True, timeout=120)
    if check("3 ranks with --serve (rank 0 only hands out work and writes) exits 0",
             r.returncode == 0, r.stderr.strip()[-300:]):
        got3, order3 = rows(served)
        check("--serve: same capacities, rank 0 ran no point",
              sorted(order3) == [0, 1, 2, 3]
              and all(got3[q]["capacity"] == got[q]["capacity"] for q in got)
              and all(got3[q]["rank"] != 0 for q in got3))
    r = subprocess.run(mpi(mpiexec, 2, upscale, sweep, "-o", out), capture_output=True,
                       text=True, timeout=120)
    got2, order2 = rows(out)
    with h5py.File(out, "r") as f:
        sessions = int(f.attrs["sessions"])
    check("the same command again: exit 0, nothing run, nothing recorded twice",
          r.returncode == 0 and "0 points run" in r.stdout and order2 == order and sessions == 2,
          f"{r.returncode}, {order2}, sessions {sessions}")


def descendants(pid):
    """Every process below pid (from /proc), so that a kill can reach them all."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def resume(upscale, mpiexec, tmp):
    rates = ", ".join(f"{0.2 + 0.1 * i:.1f}" for i in range(24))
    sweep = write(os.path.join(tmp, "resume.yaml"), f"""base: {NEWMAN}
set:
{SLOW_POINTS}
grid:
  protocol.0.c_rate: [{rates}]
""")
    out = os.path.join(tmp, "resume.h5")
    log = open(os.path.join(tmp, "killed.log"), "w")
    p = subprocess.Popen(mpi(mpiexec, 2, upscale, sweep, "-o", out), stdout=log, stderr=log,
                         start_new_session=True)
    t0, seen = time.time(), 0
    while time.time() - t0 < 60 and p.poll() is None:
        try:
            seen = len(rows(out)[1]) if os.path.exists(out) else 0
        except Exception:  # a file being replaced, or not yet complete: look again
            seen = 0
        if seen >= 1:
            break
        time.sleep(0.005)
    procs = descendants(p.pid)
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for q in procs:
        try:
            os.kill(q, signal.SIGKILL)
        except ProcessLookupError:
            pass
    p.wait()
    log.close()
    check("the sweep was killed with SIGKILL after its first recorded point",
          p.returncode == -signal.SIGKILL and seen >= 1, f"status {p.returncode}, {seen} rows")
    before, order = rows(out)
    check("the killed sweep left a readable file with some but not all points",
          1 <= len(order) < 24, f"{len(order)} of 24")
    r = subprocess.run(mpi(mpiexec, 2, upscale, sweep, "-o", out), capture_output=True,
                       text=True, timeout=120)
    check("run again: exit 0", r.returncode == 0, r.stderr.strip()[-300:])
    check("it says how many were already done",
          f"{len(order)} of 24 points already done" in r.stdout, r.stdout.splitlines()[1:2])
    after, order2 = rows(out)
    check("every point present exactly once", sorted(order2) == list(range(24)),
          f"{len(order2)} rows, {len(set(order2))} distinct")
    unchanged = all(np.array_equal(np.array(list(before[q].values()), dtype=float),
                                   np.array([after[q][k] for k in before[q]], dtype=float),
                                   equal_nan=True) for q in before)
    check("rows recorded before the kill are unchanged (session 1, same start stamp)",
          unchanged and all(before[q]["session"] == 1 for q in before))
    new = [q for q in after if q not in before]
    check("no completed point was recomputed: the others are all from session 2",
          all(after[q]["session"] == 2 for q in new) and len(new) == 24 - len(before),
          f"{len(new)} new rows")
    check("no point started in session 2 before the resume began",
          all(after[q]["start_time"] > max(before[b]["end_time"] for b in before) for q in new))
    check("all complete", all(after[q]["status"] == 0 for q in after))
    left = [f for f in os.listdir(tmp) if f.startswith("resume.h5.")]
    check("no temporary or lock file left", not left, left)


def alive(pid):
    """Is pid a running process (not gone, not a zombie)?"""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def robust(upscale, mpiexec, tmp):
    rates = ", ".join(f"{0.2 + 0.1 * i:.1f}" for i in range(24))
    sweep = write(os.path.join(tmp, "robust.yaml"), f"""base: {NEWMAN}
set:
{SLOW_POINTS}
grid:
  protocol.0.c_rate: [{rates}]
""")
    out = os.path.join(tmp, "robust.h5")
    log = open(os.path.join(tmp, "robust.log"), "w")
    p = subprocess.Popen(mpi(mpiexec, 2, upscale, sweep, "-o", out), stdout=log, stderr=log,
                         start_new_session=True)
    t0, seen = time.time(), 0
    while time.time() - t0 < 60 and p.poll() is None and seen < 1:
        try:
            seen = len(rows(out)[1]) if os.path.exists(out) else 0
        except Exception:  # a file being replaced: look again
            seen = 0
        time.sleep(0.005)
    # Freeze the first sweep's processes (SIGSTOP): it keeps its results file for as long as
    # the checks below need, however fast the points run on this machine.
    ranks = [q for q in descendants(p.pid) if alive(q)]
    for q in ranks:
        os.kill(q, signal.SIGSTOP)
    # A second sweep on the same results file while the first one writes it.
    r = subprocess.run([upscale, "sweep", sweep, "-o", out], capture_output=True, text=True,
                       timeout=60)
    check("a second sweep on the same results file is refused with exit 4",
          r.returncode == 4 and p.poll() is None, f"status {r.returncode}")
    check("with one line saying another sweep writes it",
          len(r.stderr.splitlines()) == 1 and "being written by another sweep" in r.stderr
          and out in r.stderr, r.stderr.strip()[-300:])
    os.kill(p.pid, signal.SIGKILL)  # mpiexec alone, not its process group
    p.wait()
    log.close()
    for q in ranks:  # let them run again: they must notice that mpiexec is gone
        try:
            os.kill(q, signal.SIGCONT)
        except ProcessLookupError:
            pass
    t0 = time.time()
    while time.time() - t0 < 10 and any(alive(q) for q in ranks):
        time.sleep(0.05)
    left = [q for q in ranks if alive(q)]
    for q in left:  # do not leave them running whatever the result
        os.kill(q, signal.SIGKILL)
    check("SIGKILL to mpiexec alone: its ranks end within 10 s",
          len(ranks) >= 2 and not left, f"{len(ranks)} ranks, still running: {left}")
    before = rows(out)[1]
    for stale in (out + ".tmp", out + ".tmp.AbC123"):
        write(stale, "left by a killed sweep")
    r = subprocess.run(mpi(mpiexec, 2, upscale, sweep, "-o", out), capture_output=True,
                       text=True, timeout=120)
    check("resume with stale temporaries: exit 0", r.returncode == 0, r.stderr.strip()[-300:])
    after = rows(out)[1]
    check("every point present exactly once, the earlier ones kept",
          sorted(after) == list(range(24)) and after[:len(before)] == before,
          f"{len(before)} before, {len(after)} after")
    left = sorted(f for f in os.listdir(tmp) if f.startswith("robust.h5."))
    check("no temporary or lock file left", not left, left)


def failure(upscale, mpiexec, tmp):
    sweep = write(os.path.join(tmp, "fail.yaml"), f"""base: {NEWMAN}
list:
  - {{protocol.0.current: 24 A/m^2, positive.diffusivity: 1e-13 m^2/s}}
  - {{protocol.0.current: 24 A/m^2, protocol.0.duration: 60 s, protocol.1.mode: cv, protocol.1.voltage: 9 V, protocol.1.current_cutoff: 1 A/m^2}}
  - {{protocol.0.current: 12 A/m^2, positive.diffusivity: 1e-13 m^2/s}}
outputs: true
""")
    out = os.path.join(tmp, "fail.h5")
    r = subprocess.run(mpi(mpiexec, 2, upscale, sweep, "-o", out), capture_output=True,
                       text=True, timeout=120)
    check("exit status 0 (the sweep ran to its end) and the last line counts the failure",
          r.returncode == 0 and "1 failed" in r.stdout.strip().splitlines()[-1],
          f"{r.returncode}: {r.stdout.strip().splitlines()[-1:]}")
    check("the failure is reported on its line", "point 1" in r.stdout and "FAILED" in r.stdout,
          r.stdout.strip()[:300])
    if not os.path.exists(out):
        return
    got, order = rows(out)
    check("all three points recorded once", sorted(order) == [0, 1, 2], str(order))
    check("the point with a CV step at 9 V failed with status 3", got.get(1, {}).get("status") == 3)
    check("the others complete with a capacity",
          all(got.get(q, {}).get("status") == 0 and got[q]["capacity"] > 1 for q in (0, 2)))
    with h5py.File(out, "r") as f:
        msg = text(f["results/messages/0001"][0]) if "results/messages/0001" in f else ""
        others = [k for k in f["results/messages"]] if "results/messages" in f else []
    check("its message is recorded", msg.startswith("incomplete:") and "step 2" in msg, msg)
    check("no message for the points that completed", others == ["0001"], str(others))
    pts = os.path.join(tmp, "fail_points")
    files = sorted(os.listdir(pts)) if os.path.isdir(pts) else []
    check("outputs: true wrote every point's file", files == ["0000.h5", "0001.h5", "0002.h5"],
          str(files))
    if "0001.h5" in files:
        with h5py.File(os.path.join(pts, "0001.h5"), "r") as f:
            st = text(f.attrs["status"])
        check("the failed point's file is marked incomplete", st.startswith("incomplete"), st)


def bad_input(upscale, mpiexec, tmp):
    cases = [("unknown key", "grid:\n  positive.thicknes: [150 um]\n",
              "bad.yaml:3: positive.thicknes: unknown key"),
             ("empty range", "grid:\n  positive.thickness: []\n",
              "bad.yaml:3: grid.positive.thickness: empty range"),
             ("wrong unit", "grid:\n  positive.thickness: [150 um, 3 kg]\n",
              "bad.yaml:3: positive.thickness: expected a length"),
             ("unknown top-level key", "grd:\n  positive.thickness: [1 um]\n",
              "bad.yaml:3: grd: unknown key")]
    for what, body, want in cases:
        sweep = write(os.path.join(tmp, "bad.yaml"), f"base: {NEWMAN}\n{body}")
        out = os.path.join(tmp, "bad.h5")
        r = subprocess.run([upscale, "sweep", sweep, "-o", out], capture_output=True, text=True,
                           timeout=60)
        lines = r.stderr.strip().splitlines()
        check(f"{what}: exit 2, one line naming file:line: key, no results file",
              r.returncode == 2 and len(lines) == 1 and want in lines[0]
              and not os.path.exists(out), f"{r.returncode}: {r.stderr.strip()}")
    sweep = write(os.path.join(tmp, "one.yaml"),
                  f"base: {NEWMAN}\nset: {{output.fields: false}}\n"
                  "grid:\n  protocol.0.c_rate: [1]\n")
    out = os.path.join(tmp, "one.h5")
    r = subprocess.run([upscale, "sweep", sweep, "-o", out, "-q"], capture_output=True,
                       text=True, timeout=60)
    check("a one-point sweep without mpiexec (one rank) exits 0", r.returncode == 0,
          r.stderr.strip())
    digest = hashlib.sha256(open(out, "rb").read()).hexdigest() if os.path.exists(out) else ""
    write(sweep, f"base: {NEWMAN}\nset: {{output.fields: false}}\n"
          "grid:\n  protocol.0.c_rate: [2]\n")
    r = subprocess.run([upscale, "sweep", sweep, "-o", out], capture_output=True, text=True,
                       timeout=60)
    lines = r.stderr.strip().splitlines()
    check("a sweep file that disagrees with the results: exit 2, one line, nothing run",
          r.returncode == 2 and len(lines) == 1 and "disagrees" in lines[0]
          and "protocol.0.c_rate=2" in lines[0] and "point" not in r.stdout.replace(
              "points", ""), f"{r.returncode}: {r.stderr.strip()[:300]}")
    check("the results file is unchanged",
          digest and hashlib.sha256(open(out, "rb").read()).hexdigest() == digest)
    r = subprocess.run([upscale, "sweep", "--help"], capture_output=True, text=True)
    check("upscale sweep --help prints the usage", r.returncode == 0 and "SWEEP_FILE" in r.stdout,
          r.stderr.strip())


def plots(upscale, mpiexec, tmp):
    env = dict(os.environ, MPLCONFIGDIR=os.path.join(tmp, "mpl"))
    sweep = write(os.path.join(tmp, "three.yaml"), f"""base: {NEWMAN}
set: {{output.fields: false}}
grid:
  positive.particle_radius: [2 um, 5 um]
  positive.thickness: [150 um, 183 um]
  protocol.0.c_rate: [0.5, 2]
""")
    out = os.path.join(tmp, "three.h5")
    r = subprocess.run([upscale, "sweep", sweep, "-o", out, "-q"], capture_output=True,
                       text=True, timeout=120)
    check("a 2 x 2 x 2 sweep on one rank exits 0", r.returncode == 0, r.stderr.strip())
    r = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "postproc", "plot_sweep.py"), out,
                        "-o", os.path.join(tmp, "s")], capture_output=True, text=True, env=env)
    pngs = [os.path.join(tmp, "s_heatmaps.png"), os.path.join(tmp, "s_rate.png")]
    check("plot_sweep.py writes the heatmaps and the rate plot", r.returncode == 0
          and all(open(p, "rb").read(8) == b"\x89PNG\r\n\x1a\n" for p in pngs
                  if os.path.exists(p)) and all(os.path.exists(p) for p in pngs),
          r.stderr.strip()[:300])
    r = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "postproc", "plot_sweep.py"), out,
                        "--x", "positive.thickness", "--y", "protocol.0.c_rate", "--where",
                        "positive.particle_radius=5 um", "-o", os.path.join(tmp, "w")],
                       capture_output=True, text=True, env=env)
    check("plot_sweep.py with a key fixed by --where", r.returncode == 0
          and os.path.exists(os.path.join(tmp, "w_heatmaps.png")), r.stderr.strip()[:300])
    r = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "postproc", "plot_sweep.py"), out,
                        "--x", "positive.porosity"], capture_output=True, text=True, env=env)
    check("plot_sweep.py: a key that was not swept is refused with a message",
          r.returncode == 2 and "not a swept key" in r.stderr, r.stderr.strip())
    rates = os.path.join(tmp, "rates.h5")
    subprocess.run([upscale, "rates", NEWMAN, "--crates", "0.5,1,2", "-o", rates, "-q"],
                   capture_output=True)
    png = os.path.join(tmp, "rates.png")
    r = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "postproc", "plot_rates.py"), rates,
                        "-o", png], capture_output=True, text=True, env=env)
    check("plot_rates.py writes a PNG", r.returncode == 0 and os.path.exists(png)
          and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n", r.stderr.strip()[:300])
    r = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "postproc", "plot_rates.py"), out],
                       capture_output=True, text=True, env=env)
    check("plot_rates.py refuses a sweep file with a message", r.returncode == 1
          and "/summary/group" in r.stderr and "Traceback" not in r.stderr, r.stderr.strip())


def main():
    mode, upscale, mpiexec = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
    modes = {"vs-runs": vs_runs, "resume": resume, "failure": failure, "bad-input": bad_input,
             "plots": plots, "robust": robust}
    with tempfile.TemporaryDirectory(prefix=f"upscale_sweep_{mode}_") as tmp:
        modes[mode](upscale, mpiexec, tmp)
    return failures


if __name__ == "__main__":
    sys.exit(main())

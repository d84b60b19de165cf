#!/usr/bin/python3
"""SIGINT and SIGTERM during `upscale run` and `upscale rates` keep what was computed.

usage: /usr/bin/python3 tests/cli/test_interrupt.py PATH/TO/upscale   (from the source root)

The 0.1C charge of the MnFePBA cell (cases/pba_hc_charge_0.1C.yaml, ~30 s) gets the signal
once its run has started (2 s after the start): the program ends with exit status 128 +
signal (130 for SIGINT, 143 for SIGTERM), one line on stderr saying "interrupted", and the
output file exists with status "interrupted: ...", the time series up to the interruption
(more than one row, ending before the protocol's end, time increasing) and no temporary
left.  `upscale rates` at two rates: the file has the interrupted rate's group, the other
"not run: interrupted" in /summary/status, root status "interrupted: ...".
Every wait is bounded by a timeout (a run that ignores the signal fails, it does not hang).
One line per check; exit status the number of failures.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PBA = os.path.join(SRC, "cases", "pba_hc_charge_0.1C.yaml")
failures = 0


def check(name, ok, detail=""):
    global failures
    failures += not ok
    print(("PASS: " if ok else "FAIL: ") + name + (f" ({detail})" if detail else ""))
    sys.stdout.flush()
    return ok


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def interrupted(args, sig, delay=2.0):
    """Start args, send sig after delay s, return (exit status, stderr)."""
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    p.send_signal(sig)
    try:
        _, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
        return None, err
    return p.returncode, err


def steps_written(path, dataset):
    """Rows of dataset in path (0 if the file or the dataset is missing)."""
    try:
        with h5py.File(path, "r") as f:
            return len(f[dataset]) if dataset in f else 0
    except OSError:
        return 0


def run_case(upscale, tmp, sig, name):
    out = os.path.join(tmp, f"run_{name}.h5")
    # A slow machine (or a sanitizer build) may still be starting after 2 s: wait longer
    # until the run has taken a few steps before it is interrupted.
    for delay in (2.0, 6.0, 15.0):
        status, err = interrupted([upscale, "run", PBA, "-o", out, "-q"], sig, delay)
        if steps_written(out, "/timeseries/time") > 1:
            break
    check(f"run, {name}: exit status {128 + sig}", status == 128 + sig, f"status {status}")
    check(f"run, {name}: one line on stderr saying interrupted",
          len(err.splitlines()) == 1 and f"interrupted: signal {sig} ({name})" in err, err.strip())
    if not check(f"run, {name}: the output file exists", os.path.isfile(out)):
        return
    with h5py.File(out, "r") as f:
        st = text(f.attrs["status"])
        t = f["/timeseries/time"][:]
        V = f["/timeseries/voltage"][:]
        fields = f["/fields/time"][:]
    check(f"run, {name}: status 'interrupted: ...'", st.startswith(f"interrupted: signal {sig}"), st)
    # the 0.1C charge lasts about 10 h = 36000 s of simulated time
    check(f"run, {name}: the time series up to the interruption",
          len(t) > 1 and 0 < t[-1] < 30000 and np.all(np.diff(t) >= 0) and np.all(np.isfinite(V)),
          f"{len(t)} rows, last t = {t[-1] if len(t) else None} s")
    check(f"run, {name}: the last state is a snapshot", len(fields) >= 2 and fields[-1] == t[-1],
          f"{len(fields)} snapshots")
    left = [x for x in os.listdir(tmp) if ".tmp" in x]
    check(f"run, {name}: no temporary left", not left, left)


def rates(upscale, tmp):
    out = os.path.join(tmp, "rates.h5")
    for delay in (2.0, 6.0, 15.0):
        status, err = interrupted([upscale, "rates", PBA, "--crates", "0.1,0.2", "-o", out, "-q"],
                                  signal.SIGTERM, delay)
        if steps_written(out, "/rate_0.1C/timeseries/time") > 1:
            break
    check("rates, SIGTERM: exit status 143", status == 143, f"status {status}: {err.strip()}")
    if not check("rates, SIGTERM: the output file exists", os.path.isfile(out)):
        return
    with h5py.File(out, "r") as f:
        st = text(f.attrs["status"])
        rows = [text(s) for s in f["/summary/status"][:]]
        n = len(f["/rate_0.1C/timeseries/time"]) if "rate_0.1C" in f else 0
    check("rates, SIGTERM: status 'interrupted: 0.1C: ...'",
          st.startswith("interrupted: 0.1C: interrupted: signal 15"), st)
    check("rates, SIGTERM: the first rate interrupted, the second not run",
          len(rows) == 2 and rows[0].startswith("interrupted") and rows[1] == "not run: interrupted",
          rows)
    check("rates, SIGTERM: the first rate's time series is written", n > 1, f"{n} rows")


def main():
    upscale = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="upscale_interrupt_") as tmp:
        run_case(upscale, tmp, signal.SIGINT, "SIGINT")
        run_case(upscale, tmp, signal.SIGTERM, "SIGTERM")
        rates(upscale, tmp)
    return failures


if __name__ == "__main__":
    sys.exit(main())

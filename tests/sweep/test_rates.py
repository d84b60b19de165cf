#!/usr/bin/python3
"""`upscale rates`: one file, one group per C-rate, a /summary table.

usage: /usr/bin/python3 tests/sweep/test_rates.py PATH/TO/upscale   (from the source root)

On the Newman LiCoO2 | graphite cell (the case's numerics): the capacity to the cut-off falls
as the C-rate rises; the current is the C-rate times the theoretical capacity stated in the
file; every group holds exactly the layout, units and numbers of a single `upscale run` at
that rate; a bad --crates list or a bad --set gives exit status 2 and no file.  One line per
check, exit status the number of failures.
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NEWMAN = os.path.join(SRC, "cases", "validation", "newman_licoo2_graphite_1C.yaml")
SETS = []
failures = 0


def check(name, ok, detail=""):
    global failures
    failures += not ok
    print(("PASS: " if ok else "FAIL: ") + name + (f" ({detail})" if detail else ""))
    return ok


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def layout(f, root):
    """{relative path: (kind, shape, dtype, units, sorted attribute names)} below root."""
    out = {}
    g = f[root] if root else f

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            out[name] = ("dataset", obj.shape, str(obj.dtype), text(obj.attrs.get("units")),
                         tuple(sorted(obj.attrs)))
        else:
            out[name] = ("group", tuple(sorted(obj.attrs)))

    g.visititems(visit)
    out["."] = ("group", tuple(sorted(g.attrs)))
    return out


def main():
    upscale = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="upscale_rates_") as tmp:
        out = os.path.join(tmp, "rates.h5")
        r = subprocess.run([upscale, "rates", NEWMAN, "--crates", "0.2,0.5,1,2", "-o", out] + SETS,
                           capture_output=True, text=True, timeout=120)
        check("upscale rates exits 0", r.returncode == 0, r.stderr.strip()[:300])
        check("the summary table is printed with units",
              "[Ah/m^2]" in r.stdout and "theoretical capacity" in r.stdout
              and len([l for l in r.stdout.splitlines() if "complete" in l]) == 4, r.stdout[:200])
        if not os.path.exists(out):
            check("output file written", False)
            return failures
        single = os.path.join(tmp, "single.h5")
        r1 = subprocess.run([upscale, "run", NEWMAN, "-o", single, "-q", "--set",
                             "protocol.0.c_rate=1"] + SETS, capture_output=True, text=True)
        check("single run at 1C exits 0", r1.returncode == 0, r1.stderr.strip())
        with h5py.File(out, "r") as f, h5py.File(single, "r") as g:
            s = f["summary"]
            rate = s["c_rate"][:]
            cap = s["capacity"][:]
            check("summary has one entry per rate, in the order given",
                  list(rate) == [0.2, 0.5, 1, 2], str(rate))
            check("capacity to the cut-off decreases with the C-rate",
                  bool(np.all(np.diff(cap) < 0)), np.array2string(cap, precision=4))
            units = {k: text(s[k].attrs.get("units")) for k in s}
            want = {"c_rate": "1", "current": "A/m^2", "capacity": "Ah/m^2", "energy": "Wh/m^2",
                    "mean_voltage": "V", "max_overpotential": "V", "wall_time": "s",
                    "complete": "1", "status": "1", "group": "1"}
            check("every /summary dataset has its units", units == want, str(units))
            q1c = f.attrs["theoretical_capacity"]
            check("theoretical capacity stated with its units",
                  q1c > 0 and text(f.attrs["theoretical_capacity.units"]) == "Ah/m^2", str(q1c))
            check("current = C-rate x theoretical capacity",
                  np.allclose(s["current"][:], rate * q1c, rtol=1e-12))
            for grp, c in zip(s["group"][:], rate):
                grp = text(grp)
                i = list(f[grp + "/timeseries/current"][:])
                check(f"{grp}: the discharge current is {c:g}C",
                      abs(max(i) - c * q1c) < 1e-9 * c * q1c, f"{max(i):.6g} A/m^2")
            ov = s["max_overpotential"][:]
            check("max |V - OCV| is positive and grows with the rate",
                  bool(np.all(ov > 0) and np.all(np.diff(ov) > 0)), np.array2string(ov))
            a, b = layout(f, "rate_1C"), layout(g, "")
            check("/rate_1C has exactly the layout of a single run (paths, shapes, types, "
                  "units, attribute names)", a == b,
                  str(sorted(set(a.items()) ^ set(b.items())))[:300])
            same = all(np.array_equal(f["rate_1C/timeseries/" + k][:], g["timeseries/" + k][:])
                       for k in ("time", "voltage", "current", "capacity", "ocv"))
            check("/rate_1C/timeseries equals the single run's", same)
            check("/rate_1C/summary capacity equals the single run's",
                  f["rate_1C/summary"].attrs["capacity"] == g["summary"].attrs["capacity"])
            check("root status complete", text(f.attrs["status"]) == "complete")

        bad = os.path.join(tmp, "bad.h5")
        for args, what in ((["--crates", "0.5,x"], "a non-number in --crates"),
                           (["--crates", "1,1"], "a rate given twice"),
                           (["--crates", "0,1"], "a zero rate"),
                           ([], "no --crates"),
                           (["--crates", "1", "--set", "positive.thicknes=1um"], "unknown key")):
            r = subprocess.run([upscale, "rates", NEWMAN, "-o", bad] + args, capture_output=True,
                               text=True)
            lines = r.stderr.strip().splitlines()
            check(f"{what}: exit 2, one line, no file", r.returncode == 2 and len(lines) == 1
                  and not os.path.exists(bad), f"{r.returncode}: {r.stderr.strip()[:200]}")
    return failures


if __name__ == "__main__":
    sys.exit(main())

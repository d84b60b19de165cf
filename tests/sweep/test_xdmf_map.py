#!/usr/bin/python3
"""`upscale export-xdmf` and postproc/plot_map.py.

usage: /usr/bin/python3 tests/sweep/test_xdmf_map.py PATH/TO/upscale   (from the source root)

Runs the Newman cell  with fields, writes OUT.xdmf and checks it as an XDMF reader
would see it: three temporal collections (particles_negative, particles_positive,
electrolyte), one grid per snapshot at the snapshot's time, 2-D rectilinear topologies whose
sizes match the coordinates, and every HDF5 reference ("FILE:PATH|START:STRIDE:COUNT:
DATASPACE") naming an existing dataset of that shape, a slab inside it, with the data the
file holds for that snapshot.  Then a rates file (one set of collections per group), a file
without fields (exit 2), and plot_map.py at chosen times and voltages (PNG files).  One line
per check, exit status the number of failures.  (ParaView 5.11's Xdmf3 readers were checked
by hand: docs/sweeps.md.)
"""
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import h5py
import numpy as np

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NEWMAN = os.path.join(SRC, "cases", "validation", "newman_licoo2_graphite_1C.yaml")
PLOT = os.path.join(SRC, "postproc", "plot_map.py")
SETS = ["--set", "output.snapshot_interval=400 s"]
failures = 0


def check(name, ok, detail=""):
    global failures
    failures += not ok
    print(("PASS: " if ok else "FAIL: ") + name + (f" ({detail})" if detail else ""))
    return ok


def ints(text):
    return [int(v) for v in text.split()]


def resolve(item, h5dir):
    """Values of a DataItem: XML inline or an HDF5 reference with an optional slab."""
    dims = ints(item.get("Dimensions"))
    if item.get("Format") == "XML":
        return np.array([float(v) for v in item.text.split()]).reshape(dims), None
    ref = item.text.strip()
    slab = None
    if "|" in ref:
        ref, slab = ref.split("|", 1)
    fname, path = ref.split(":", 1)
    with h5py.File(os.path.join(h5dir, fname), "r") as f:
        if path not in f:
            raise KeyError(f"{fname} has no {path}")
        data = f[path][()]
    if slab is None:
        return data.reshape(dims), (path, None)
    start, stride, count, space = (ints(p) for p in slab.split(":"))
    if list(data.shape) != space:
        raise ValueError(f"{path}: dataspace {space} but the dataset is {list(data.shape)}")
    if any(s + c > n for s, c, n in zip(start, count, space)) or any(s != 1 for s in stride):
        raise ValueError(f"{path}: slab {start}+{count} outside {space}")
    part = data[tuple(slice(s, s + c) for s, c in zip(start, count))]
    return part.reshape(dims), (path, start)


def check_xdmf(xdmf, h5, prefixes):
    tree = ET.parse(xdmf)
    domain = tree.getroot().find("Domain")
    colls = {g.get("Name"): g for g in domain.findall("Grid")}
    want = [p + n for p in prefixes for n in ("particles_negative", "particles_positive",
                                               "electrolyte")]
    check(f"{os.path.basename(xdmf)}: one temporal collection per field group and run",
          sorted(colls) == sorted(want) and all(c.get("CollectionType") == "Temporal"
                                                for c in colls.values()), str(sorted(colls)))
    h5dir = os.path.dirname(xdmf)
    problems = []
    with h5py.File(h5, "r") as f:
        for name, coll in colls.items():
            group = name.rsplit("/", 1)[0] if "/" in name else ""
            root = "/" + group if group else ""
            t = f[root + "/fields/time"][:]
            grids = coll.findall("Grid")
            times = [float(g.find("Time").get("Value")) for g in grids]
            if times != list(t):
                problems.append(f"{name}: times {times[:3]}... vs {list(t)[:3]}...")
            for i, g in enumerate(grids):
                topo = ints(g.find("Topology").get("Dimensions"))
                if g.find("Topology").get("TopologyType") != "2DRectMesh":
                    problems.append(f"{name}: not a 2DRectMesh")
                vx, vy = g.find("Geometry").findall("DataItem")
                x, _ = resolve(vx, h5dir)
                y, _ = resolve(vy, h5dir)
                if [len(y), len(x)] != topo:
                    problems.append(f"{name}[{i}]: coordinates {len(y)} x {len(x)} vs {topo}")
                for att in g.findall("Attribute"):
                    v, (path, start) = resolve(att.find("DataItem"), h5dir)
                    if list(v.shape) != topo:
                        problems.append(f"{name}[{i}] {att.get('Name')}: shape {v.shape}")
                    if start is None or start[0] != i:
                        problems.append(f"{name}[{i}] {att.get('Name')}: slab starts at {start}")
                    direct = f[path][i]
                    if not np.array_equal(np.nan_to_num(v.reshape(direct.shape)),
                                          np.nan_to_num(direct)):
                        problems.append(f"{name}[{i}] {att.get('Name')}: values differ")
                if "particles" in name:
                    e = name.rsplit("_", 1)[1]
                    region = f[root + "/mesh/region"][:]
                    xe = f[root + "/mesh/x"][:][region == (0 if e == "negative" else 2)]
                    if not (np.array_equal(y, xe) and np.array_equal(x, f[root + "/mesh/r_" + e][:])):
                        problems.append(f"{name}[{i}]: coordinates are not the electrode's x, r")
    check(f"{os.path.basename(xdmf)}: every grid, coordinate and slab matches the HDF5 file",
          not problems, "; ".join(problems[:4]))


def main():
    upscale = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="upscale_xdmf_") as tmp:
        env = dict(os.environ, MPLCONFIGDIR=os.path.join(tmp, "mpl"))
        out = os.path.join(tmp, "run.h5")
        r = subprocess.run([upscale, "run", NEWMAN, "-o", out, "-q"] + SETS, capture_output=True,
                           text=True)
        check("run with fields exits 0", r.returncode == 0, r.stderr.strip())
        r = subprocess.run([upscale, "export-xdmf", out], capture_output=True, text=True)
        xdmf = os.path.join(tmp, "run.xdmf")
        check("export-xdmf exits 0 and names the file", r.returncode == 0
              and "run.xdmf" in r.stdout and os.path.exists(xdmf), r.stderr.strip())
        if os.path.exists(xdmf):
            check_xdmf(xdmf, out, [""])

        rates = os.path.join(tmp, "rates.h5")
        r = subprocess.run([upscale, "rates", NEWMAN, "--crates", "0.5,2", "-o", rates, "-q"]
                           + SETS, capture_output=True, text=True)
        r = subprocess.run([upscale, "export-xdmf", rates], capture_output=True, text=True)
        check("export-xdmf of a rates file exits 0", r.returncode == 0, r.stderr.strip())
        if r.returncode == 0:
            check_xdmf(os.path.join(tmp, "rates.xdmf"), rates, ["rate_0.5C/", "rate_2C/"])

        nof = os.path.join(tmp, "nofields.h5")
        subprocess.run([upscale, "run", NEWMAN, "-o", nof, "-q", "--set", "output.fields=false"],
                       capture_output=True)
        r = subprocess.run([upscale, "export-xdmf", nof], capture_output=True, text=True)
        check("a file without fields: exit 2, one line, no .xdmf",
              r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
              and "output.fields" in r.stderr
              and not os.path.exists(os.path.join(tmp, "nofields.xdmf")), r.stderr.strip())
        r = subprocess.run([upscale, "export-xdmf", os.path.join(tmp, "missing.h5")],
                           capture_output=True, text=True)
        check("a missing file: exit 4 naming it", r.returncode == 4 and "missing.h5" in r.stderr,
              r.stderr.strip())

        for args, what in ((["--times", "0,800,1600"], "times"),
                           (["--voltages", "4.0,3.7"], "voltages"),
                           (["--group", "rate_2C", "--electrode", "positive"], "a rates group")):
            src = rates if "--group" in args else out
            png = os.path.join(tmp, what.replace(" ", "_") + ".png")
            r = subprocess.run(["/usr/bin/python3", PLOT, src, "-o", png] + args,
                               capture_output=True, text=True, env=env)
            with open(png, "rb") if os.path.exists(png) else open(os.devnull, "rb") as fh:
                magic = fh.read(8)
            check(f"plot_map.py at {what} writes a PNG", r.returncode == 0
                  and magic == b"\x89PNG\r\n\x1a\n", r.stderr.strip()[:200])
        r = subprocess.run(["/usr/bin/python3", PLOT, out, "--voltages", "1.0"],
                           capture_output=True, text=True, env=env)
        check("plot_map.py: a voltage never reached is refused with a message",
              r.returncode == 1 and "never reaches 1 V" in r.stderr
              and "Traceback" not in r.stderr, r.stderr.strip())
        r = subprocess.run(["/usr/bin/python3", PLOT, rates], capture_output=True, text=True,
                           env=env)
        check("plot_map.py on a rates file without --group names the groups",
              r.returncode == 1 and "rate_0.5C" in r.stderr, r.stderr.strip())
    return failures


if __name__ == "__main__":
    sys.exit(main())

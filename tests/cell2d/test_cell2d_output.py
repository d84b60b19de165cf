#!/usr/bin/python3
"""The output of a cell with 2D (r, theta) particles for ParaView and plots (issue 14, item 4):
/mesh/nodes_xz_positive, `upscale export-xdmf` and postproc/plot_particle2d.py.

usage: /usr/bin/python3 tests/cell2d/test_cell2d_output.py PATH/TO/upscale

Runs the coarse MnFePBA | hard carbon discharge (tests/cases/pba_hc_discharge_coarse.yaml,
8 positive cells x 30 shells) with 2D particles of radius 0.3 um (so that 12 polar cells hold
the interface along the surface), 12 polar cells and a = 0.5, a snapshot every 3000 s (a few
seconds), and checks:
1. /mesh/nodes_xz_positive: (nt + 1)(nr + 1) x 2 corners in m, each at x = r sin theta,
   z = r cos theta of its r and theta faces (row k (nr + 1) + i), so the corners of r = R lie
   on the particle's surface and none at x < 0.
2. export-xdmf: besides the (x, r) map (particles_negative, particles_positive, electrolyte),
   one temporal collection per positive node, particle2d_positive_node_A, its x in an
   Information element; per snapshot (its /fields/time) a spatial collection of the "particle"
   (2DSMesh of the (nt + 1) x (nr + 1) corners, c per cell) and its "surface" (2DSMesh of the
   nt + 1 corners at r = R, the flux per theta cell).  Every reference is resolved as an XDMF
   reader would ("FILE:PATH|START:STRIDE:COUNT:DATASPACE"): the dataset exists, the dataspace
   is its shape, the slab lies inside, and the values are the file's for that node and
   snapshot.  The same checker finds the fault in a copy with one slab moved to another node
   (so it can fail).  A rates file (one 2D discharge at 1C) gets the collections per group.
3. A file with 2D fields but without the corners (made before this output existed): exit 2,
   one line naming /mesh/nodes_xz_positive, no .xdmf.
4. plot_particle2d.py writes a non-empty PNG by default, at chosen voltages, and for a rates
   group at chosen times; a file without 2D fields is refused with one message (exit 1, no traceback).
One line per check; the exit status is the number of failures.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pycheck  # noqa: E402
from pycheck import check  # noqa: E402

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DISCHARGE = os.path.join(SRC, "tests", "cases", "pba_hc_discharge_coarse.yaml")
PLOT = os.path.join(SRC, "postproc", "plot_particle2d.py")
TWO_D = ["positive.particle_dimension=2", "numerics.polar_cells.positive=12",
         "positive.exchange_anisotropy=0.5", "positive.particle_radius=0.3 um",
         "output.snapshot_interval=3000 s"]
PNG = b"\x89PNG\r\n\x1a\n"


def sets(kvs):
    out = []
    for kv in kvs:
        out += ["--set", kv]
    return out


def ints(text):
    return [int(v) for v in text.split()]


def resolve(item, h5dir, cache):
    """(values shaped as the DataItem says, dataset path, slab start or None)."""
    dims = ints(item.get("Dimensions"))
    ref = item.text.strip()
    slab = None
    if "|" in ref:
        ref, slab = ref.split("|", 1)
    fname, path = ref.split(":", 1)
    key = (fname, path)
    if key not in cache:
        with h5py.File(os.path.join(h5dir, fname), "r") as f:
            if path not in f:
                raise KeyError(f"{fname} has no {path}")
            cache[key] = f[path][()]
    data = cache[key]
    if slab is None:
        if int(np.prod(dims)) != data.size:
            raise ValueError(f"{path}: {data.shape} read as {dims}")
        return data.reshape(dims), path, None
    start, stride, count, space = (ints(p) for p in slab.split(":"))
    if list(data.shape) != space:
        raise ValueError(f"{path}: dataspace {space} but the dataset is {list(data.shape)}")
    if any(s + (c - 1) * d >= n for s, d, c, n in zip(start, stride, count, space)):
        raise ValueError(f"{path}: slab {start}+{count}x{stride} outside {space}")
    part = data[tuple(slice(s, s + (c - 1) * d + 1, d)
                      for s, d, c in zip(start, stride, count))]
    if int(np.prod(dims)) != part.size:
        raise ValueError(f"{path}: slab of {part.shape} read as {dims}")
    return part.reshape(dims), path, start


def xdmf_problems(xdmf, h5, group=""):
    """Everything wrong with the 2D particles' collections of one run (group "" or
    "rate_1C"), as a list of strings; the collection names found."""
    root = "/" + group if group else ""
    label = group + "/" if group else ""
    problems, cache = [], {}
    colls = {g.get("Name"): g for g in ET.parse(xdmf).getroot().find("Domain").findall("Grid")}
    h5dir = os.path.dirname(xdmf)
    with h5py.File(h5, "r") as f:
        t = f[root + "/fields/time"][:]
        c = f[root + "/fields/particle2d_concentration_positive"][()]
        j = f[root + "/fields/particle2d_surface_flux_positive"][()]
        region = f[root + "/mesh/region"][:]
        xp = f[root + "/mesh/x"][:][region == 2]
        R = f[root + "/mesh/r_faces_positive"][-1]
    ns, n, nt, nr = c.shape
    want = [f"{label}{k}" for k in ("particles_negative", "particles_positive", "electrolyte")]
    want += [f"{label}particle2d_positive_node_{a}" for a in range(n)]
    mine = sorted(k for k in colls if k.startswith(label) and "/" not in k[len(label):])
    if mine != sorted(want):
        problems.append(f"collections {mine}, expected {sorted(want)}")
    for a in range(n):
        coll = colls.get(f"{label}particle2d_positive_node_{a}")
        if coll is None:
            continue
        info = coll.find("Information")
        if coll.get("CollectionType") != "Temporal" or info is None or \
                float(info.get("Value")) != xp[a]:
            problems.append(f"node {a}: not temporal or x {info.get('Value') if info is not None else None}"
                            f" vs {xp[a]}")
        members = coll.findall("Grid")
        times = [float(g.find("Time").get("Value")) for g in members]
        if times != list(t):
            problems.append(f"node {a}: times {times[:3]}... vs {list(t[:3])}...")
        for i, g in enumerate(members):
            where = f"node {a} snapshot {i}"
            if g.get("CollectionType") != "Spatial":
                problems.append(f"{where}: not a spatial collection")
            grids = {h.get("Name"): h for h in g.findall("Grid")}
            if sorted(grids) != ["particle", "surface"]:
                problems.append(f"{where}: grids {sorted(grids)}")
                continue
            try:
                for name, shape, field, want_v in (
                        ("particle", [nt + 1, nr + 1], "particle2d_concentration", c[i, a]),
                        ("surface", [nt + 1, 1], "particle2d_surface_flux", j[i, a][:, None])):
                    h = grids[name]
                    topo = h.find("Topology")
                    if topo.get("TopologyType") != "2DSMesh" or ints(topo.get("Dimensions")) \
                            != shape:
                        problems.append(f"{where} {name}: topology {topo.attrib}")
                    xy, _, _ = resolve(h.find("Geometry/DataItem"), h5dir, cache)
                    if xy.shape != (shape[0] * shape[1], 2):
                        problems.append(f"{where} {name}: geometry {xy.shape}")
                    if name == "surface" and not np.allclose(np.hypot(xy[:, 0], xy[:, 1]), R,
                                                             rtol=1e-12, atol=0):
                        problems.append(f"{where} surface: corners not at r = R")
                    atts = h.findall("Attribute")
                    if len(atts) != 1 or atts[0].get("Name") != field or \
                            atts[0].get("Center") != "Cell":
                        problems.append(f"{where} {name}: attributes "
                                        f"{[x.attrib for x in atts]}")
                        continue
                    v, _, start = resolve(atts[0].find("DataItem"), h5dir, cache)
                    if list(v.shape) != [shape[0] - 1, max(shape[1] - 1, 1)] or \
                            start[:2] != [i, a] or not np.array_equal(v, want_v):
                        problems.append(f"{where} {field}: slab at {start}, shape {v.shape}, "
                                        "values differ from the file's")
            except (KeyError, ValueError) as e:
                problems.append(f"{where}: {e}")
    return problems


def corners(h5):
    with h5py.File(h5, "r") as f:
        d = f["/mesh/nodes_xz_positive"]
        nodes, units = d[()], d.attrs.get("units")
        rf, thf = f["/mesh/r_faces_positive"][:], f["/mesh/theta_faces_positive"][:]
    nt, nr = len(thf) - 1, len(rf) - 1
    th, r = np.meshgrid(thf, rf, indexing="ij")
    want = np.stack([r * np.sin(th), r * np.cos(th)], axis=-1).reshape(-1, 2)
    check("/mesh/nodes_xz_positive: (nt + 1)(nr + 1) x 2 corners in m at x = r sin theta, "
          "z = r cos theta of the faces",
          nodes.shape == ((nt + 1) * (nr + 1), 2) and units == "m"
          and np.allclose(nodes, want, rtol=0, atol=1e-15 * rf[-1]),
          f"shape {nodes.shape}, units {units}, largest deviation "
          f"{np.abs(nodes - want).max() if nodes.shape == want.shape else 'n/a'}")
    rad = np.hypot(nodes[:, 0], nodes[:, 1]).reshape(nt + 1, nr + 1)
    check("the corners of r = R lie on the surface, none at x < 0",
          np.allclose(rad[:, -1], rf[-1], rtol=1e-14) and nodes[:, 0].min() > -1e-15 * rf[-1],
          f"R = {rf[-1]:.4g} m, outer corners {rad[:, -1].min():.6g} to {rad[:, -1].max():.6g}")


def export(upscale, h5):
    status, out, err = pycheck.run(upscale, "export-xdmf", h5)
    xdmf = h5[:-3] + ".xdmf"
    ok = check(f"export-xdmf {os.path.basename(h5)}: exit 0, names the file",
               status == 0 and os.path.basename(xdmf) in out and os.path.exists(xdmf),
               err.strip())
    return xdmf if ok else None


def plot(h5, png, args, env):
    status, _, err = pycheck.run("/usr/bin/python3", PLOT, h5, "-o", png, *args, env=env)
    magic = b""
    if os.path.exists(png):
        with open(png, "rb") as fh:
            magic = fh.read(8)
    size = os.path.getsize(png) if os.path.exists(png) else 0
    return status == 0 and magic == PNG and size > 10000, f"status {status}, {size} bytes, " \
        f"{err.strip()[-200:]}"


def main():
    upscale = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="upscale_cell2d_out_") as tmp:
        env = dict(os.environ, MPLCONFIGDIR=os.path.join(tmp, "mpl"))
        h5 = os.path.join(tmp, "d2.h5")
        status, _, err = pycheck.run(upscale, "run", DISCHARGE, "-o", h5, "-q", *sets(TWO_D))
        if not check("the 2D discharge runs (exit 0)", status == 0 and os.path.exists(h5),
                     err.strip()[-300:]):
            return pycheck.failures
        corners(h5)

        xdmf = export(upscale, h5)
        if xdmf:
            problems = xdmf_problems(xdmf, h5)
            with h5py.File(h5, "r") as f:
                ns, n = f["/fields/particle2d_concentration_positive"].shape[:2]
            text = open(xdmf).read()
            first = text.find('<Grid Name="particle2d_positive_node_0"')
            per = (text.find("</Domain>") - first) / (n * ns) if first >= 0 else float("nan")
            check(f"XDMF: the (x, r) map and one temporal collection per positive node ({n}), "
                  f"{ns} snapshots each, every grid, slab and value as in the file",
                  not problems, "; ".join(problems[:4]) or f"{per:.0f} bytes of XML per node and "
                  "snapshot")
            # the checker finds a slab that points at the wrong node
            bad = os.path.join(tmp, "moved.xdmf")
            needle = f"particle2d_concentration_positive|1 2 0 0:"
            with open(bad, "w") as fh:
                fh.write(text.replace(needle, f"particle2d_concentration_positive|1 3 0 0:", 1))
            moved = xdmf_problems(bad, h5)
            check("the XDMF checker finds a slab moved to another node",
                  needle in text and any("node 2 snapshot 1" in p for p in moved),
                  "; ".join(moved[:2]))

        rates = os.path.join(tmp, "rates.h5")
        status, _, err = pycheck.run(upscale, "rates", DISCHARGE, "--crates", "1", "-o", rates,
                                     "-q", *sets(TWO_D[:4] + ["output.snapshot_interval=600 s"]))
        check("rates with 2D particles (1C) runs", status == 0, err.strip()[-300:])
        xr = export(upscale, rates) if status == 0 else None
        if xr:
            problems = xdmf_problems(xr, rates, "rate_1C")
            check("XDMF of a rates file: the collections per group (rate_1C/...)", not problems,
                  "; ".join(problems[:4]))

        old = os.path.join(tmp, "old.h5")
        shutil.copy(h5, old)
        with h5py.File(old, "a") as f:
            del f["/mesh/nodes_xz_positive"]
        status, _, err = pycheck.run(upscale, "export-xdmf", old)
        check("2D fields without /mesh/nodes_xz_positive: exit 2, one line naming it, no .xdmf",
              status == 2 and len(err.strip().splitlines()) == 1
              and "nodes_xz_positive" in err
              and not os.path.exists(os.path.join(tmp, "old.xdmf")), err.strip())

        for args, what in (([], "default snapshots"), (["--voltages", "3.0,2.7"], "voltages")):
            ok, detail = plot(h5, os.path.join(tmp, what.replace(" ", "_") + ".png"), args, env)
            check(f"plot_particle2d.py at {what} writes a PNG", ok, detail)
        ok, detail = plot(rates, os.path.join(tmp, "group.png"),
                          ["--group", "rate_1C", "--times", "0,1200"], env)
        check("plot_particle2d.py on a rates group at chosen times writes a PNG", ok, detail)
        with h5py.File(old, "a") as f:
            del f["/fields/particle2d_concentration_positive"]
        png = os.path.join(tmp, "none.png")
        status, _, err = pycheck.run("/usr/bin/python3", PLOT, old, "-o", png, env=env)
        check("plot_particle2d.py: a file without 2D fields is refused with one message",
              status == 1 and "particle2d_concentration_positive" in err
              and "Traceback" not in err and not os.path.exists(png), err.strip())
        status, _, err = pycheck.run("/usr/bin/python3", PLOT, h5, "--voltages", "1.0",
                                     "-o", png, env=env)
        check("plot_particle2d.py: a voltage never reached is refused with a message",
              status == 1 and "never reaches 1 V" in err and "Traceback" not in err, err.strip())
    return pycheck.failures


if __name__ == "__main__":
    sys.exit(main())

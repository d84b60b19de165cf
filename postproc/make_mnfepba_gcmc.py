#!/usr/bin/python3
"""Construct the bundled MnFePBA biased-GCMC windows and excess-energy table.

    make_mnfepba_gcmc.py [--out DIR] [--surrogate YAML] [--seed 20250611] [--check]

NOT atomistic data.  The windows are a Metropolis walk on the Na count N of one supercell
(4096 Na sites = 2048 formula units, (80 A)^3) under the exact biased distribution of the
paper's eq. 15 (Yang, Woillez, Jacquet, Van Roekeghem, Sec. II.F),

    P(N) ~ exp(-(F(N) - mu_bias N + phi (N - N_t)^2) / kT),   N = 0 .. 4096,
    F(N) = 2048 G(N / 2048, T)   (eV, per supercell; P dV/dN = 0),

with G(x, T) the surrogate free energy per formula unit of params/mnfepba_surrogate.yaml
(include/upscale/rk_material.h: G = x E0 + 2 g_site(x/2, T)).  The layout follows the
paper's run (Sec. III.E): 5 temperatures (300 .. 700 K), 82 windows per temperature with
targets N_t = 200, 250, ..., 4250 (the paper says "82 targets spaced by 50 from 200 to 4300",
which would be 83; 82 windows from 200 end at 4250), phi = 0.002 eV, and each window starts
from the last N of the previous one (the first from N = 5, "the initial structure contained
5 sodium atoms"), so every window opens with a real equilibration transient.

The walk: every move proposes N -> N + 1 or N - 1 with probability 1/2 each (a grand
canonical insertion or deletion), accepted with min(1, exp(-dU/kT)); N is written every
STRIDE = 8 moves, SAMPLES = 500 times per window ("step N" columns).  The noise in the
window means is therefore the sampling noise of a correlated chain.  As in the paper ("run
repeatedly until the sodium content converged"), a window is extended by 250 samples, up
to 4 times, until its MSER-5 truncation point (the importer's rule, include/upscale/gcmc.h)
lies in the first 40% of the series and at least 40 effective samples follow it (the
importer rejects a window as "never equilibrates" beyond 50% or below 20): MSER-5 places
the truncation point late in about 1 of 200 stationary 500-sample series of this kind.

mu_bias: the biased distribution peaks where mu(N) = mu_bias - 2 phi (N - N_t); the script
centres window k at N_c = N_t (mu_bias = mu(N_c), the surrogate's mu_h), rounded to 0.01 eV
as a user would type it (so <N> differs from N_t by up to ~1 Na and eq. 17's correction term
matters).  The surrogate's lattice has exactly 4096 sites, so targets above N = 4000 would
pin it at full occupancy (the paper's structures have more interstitial sites); there the
centre is moved smoothly towards the top, N_c = 4096 - 96 exp(-(N_t - 4000) / 96), and
mu_bias = mu(N_c) + 2 phi (N_c - N_t).  Each mu_bias is written to the manifest.

With --check the script also reports, from the exact discrete distribution of every window,
the difference between eq. 17 evaluated at the exact mean and the true mu at that mean:
the bias of eq. 17 itself (it takes the mean for the maximum of P), largest near full
occupancy where mu(N) curves; and what that bias alone does to the material fit: the
Redlich-Kister fit of the importer applied to eq. 17 at the exact means (no sampling noise),
with its binodals at 300 and 400 K against the surrogate's.

Excess energies (paper Sec. II.E, III.D, eq. 4-5): eight two-phase supercells of n = 1, 2,
4, 8, 12, 16, 24, 32 repeats of an (80 A)^3 cell along x, interface area A = (80 A)^2,
V = n (80 A)^3, E_excess = 2 A gamma + V eps_strain with the paper's fitted gamma =
2.828 mJ/m^2 and eps_strain = 37.655 MJ/m^3, plus Gaussian noise (seeded) from which the
part along the fit's two columns has been projected out and which is scaled so that the
ordinary least-squares fit of `upscale import excess` returns the paper's gamma and
eps_strain and the paper's standard error of gamma (1.71 mJ/m^2).  The table gives
E_excess directly (no absolute energies are invented).

numpy only; run with /usr/bin/python3.  Writes DIR/manifest.csv, DIR/T<T>/w<N_t>.dat and
DIR/excess_energy.csv (DIR defaults to params/mnfepba_gcmc).
"""

import argparse
import math
import os
import re
import sys

import numpy as np

KB = 8.617333262e-5        # eV/K
E_CHARGE = 1.602176634e-19  # J/eV
SITES = 4096                # Na sites per supercell
FORMULA_UNITS = 2048
CELL = 80e-10               # m, edge of the (80 A)^3 supercell
PHI = 0.002                 # eV, bias strength (paper Sec. III.E)
TEMPERATURES = [300, 400, 500, 600, 700]
TARGETS = [200 + 50 * k for k in range(82)]
N_START = 5
STRIDE = 8                  # moves between written samples
SAMPLES = 500               # written samples per window (before extensions)
EXTEND = 250                # samples added when a window has not converged
MAX_EXTEND = 4
MAX_DISCARD = 0.4           # convergence: MSER-5 keeps at least 60% (the importer needs 50%)
MIN_NEFF = 40               # and 40 effective samples remain (the importer needs 20)
TOP = 4000                  # above this target the bias centre is moved (see the docstring)
TOP_SCALE = 96.0

GAMMA = 2.828e-3            # J/m^2, paper Sec. III.D
GAMMA_SE = 1.71e-3          # J/m^2
STRAIN = 37.655e6           # J/m^3
REPEATS = [1, 2, 4, 8, 12, 16, 24, 32]


def read_surrogate(path):
    """E0, sites per formula unit and (a_i, b_i) of the Redlich-Kister material file."""
    vals = {}
    section = ""
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].rstrip()
            if not line.strip():
                continue
            m = re.match(r"^(\s*)([A-Za-z0-9_]+):\s*(.*)$", line)
            if not m:
                continue
            indent, key, value = m.groups()
            if not indent:
                section = key if not value else ""
            full = (section + "." + key) if indent else key
            vals[full] = value.strip()

    def number(key):
        return float(vals[key].split()[0])

    a, b = [], []
    i = 0
    while "redlich_kister.L%d_a" % i in vals:
        a.append(number("redlich_kister.L%d_a" % i))
        b.append(number("redlich_kister.L%d_b" % i))
        i += 1
    return number("reference_energy"), number("sites_per_formula_unit"), np.array(a), np.array(b)


class Surrogate:
    def __init__(self, path):
        self.E0, self.s, self.a, self.b = read_surrogate(path)

    def L(self, T):
        return self.a + self.b * T

    def g_site(self, y, T):
        """Per site, eV, without E0 (0 ln 0 = 0)."""
        y = np.asarray(y, dtype=float)
        p = np.polynomial.polynomial.polyval(2 * y - 1, self.L(T))
        with np.errstate(divide="ignore", invalid="ignore"):
            ent = np.where(y > 0, y * np.log(np.where(y > 0, y, 1)), 0.0) + \
                np.where(y < 1, (1 - y) * np.log1p(-np.where(y < 1, y, 0)), 0.0)
        return KB * T * ent + y * (1 - y) * p

    def F(self, N, T):
        """Supercell free energy, eV: 2048 G(N/2048) = N E0 + 4096 g_site(N/4096)."""
        N = np.asarray(N, dtype=float)
        return N * self.E0 + SITES * self.g_site(N / SITES, T)

    def mu(self, N, T):
        """dF/dN = mu_h(x = N/2048), eV per Na."""
        y = np.asarray(N, dtype=float) / SITES
        s = 2 * y - 1
        L = self.L(T)
        P = np.polynomial.polynomial.polyval(s, L)
        dP = np.polynomial.polynomial.polyval(s, np.polynomial.polynomial.polyder(L))
        return self.E0 + KB * T * (np.log(y) - np.log1p(-y)) - s * P + 0.5 * (1 - s * s) * dP


def centre(Nt):
    if Nt <= TOP:
        return float(Nt)
    return SITES - TOP_SCALE * math.exp(-(Nt - TOP) / TOP_SCALE)


def walk(U, N0, kT, rng, samples):
    """`samples` values of N, one every STRIDE Metropolis moves, starting from N0."""
    moves = STRIDE * samples
    step = np.where(rng.random(moves) < 0.5, -1, 1)
    logu = np.log(rng.random(moves))
    out = np.empty(samples, dtype=np.int64)
    N = N0
    top = len(U) - 1
    for i in range(moves):
        M = N + step[i]
        if 0 <= M <= top and -(U[M] - U[N]) / kT >= logu[i]:
            N = M
        if (i + 1) % STRIDE == 0:
            out[i // STRIDE] = N
    return out


def mser5(x):
    """MSER-5 truncation point as in include/upscale/gcmc.h (ties: the smallest d; at least
    10 batches kept)."""
    k = len(x) // 5
    b = np.asarray(x[:5 * k], dtype=float).reshape(k, 5).mean(axis=1)
    best, dbest = np.inf, 0
    for d in range(k - 10, -1, -1):
        t = b[d:]
        v = float(((t - t.mean()) ** 2).sum()) / len(t) ** 2
        if v <= best:
            best, dbest = v, d
    return 5 * dbest


def inefficiency(x):
    """Statistical inefficiency 1 + 2 sum_t (1 - t/n) C(t)/C(0), summed until C(t) first
    drops to <= 0 after lag 3 (as the importer computes it)."""
    n = len(x)
    x = np.asarray(x, dtype=float) - np.mean(x)
    f = np.fft.rfft(x, 2 * n)
    c = np.fft.irfft(f * np.conj(f))[:n]
    if c[0] <= 0:
        return 1.0
    total = 0.0
    for t in range(1, n - 1):
        ct = c[t] / (n - t) / (c[0] / n)
        if ct <= 0 and t > 3:
            break
        total += 2 * ct * (1 - t / n)
    return 1 + total if total > 0 else 1.0


def converged(series):
    t0 = mser5(series)
    tail = series[t0:]
    return t0 <= MAX_DISCARD * len(series) and len(tail) / inefficiency(tail) >= MIN_NEFF


def run_window(U, N0, kT, rng):
    """The paper's protocol, "run repeatedly until the sodium content converged": SAMPLES
    samples, extended by EXTEND samples while the MSER-5 truncation point lies beyond
    MAX_DISCARD of the series or fewer than MIN_NEFF effective samples follow it (at most
    MAX_EXTEND times).  Returns the series and the number
    of extensions."""
    series = walk(U, N0, kT, rng, SAMPLES)
    ext = 0
    while not converged(series) and ext < MAX_EXTEND:
        series = np.concatenate([series, walk(U, int(series[-1]), kT, rng, EXTEND)])
        ext += 1
    return series, ext


def rk_basis(i, y):
    """d/dy [y (1-y) s^i], s = 2y - 1 (the columns of the importer's Redlich-Kister fit)."""
    s = 2 * y - 1
    return -s ** (i + 1) + (0.5 * i * (1 - s * s) * s ** (i - 1) if i > 0 else 0.0)


def exact_means_fit(sur, points):
    """The bias of eq. 17 alone: the importer's Redlich-Kister fit (as many terms as the
    surrogate) of eq. 17 evaluated at the exact window means, with effective-variance
    weights (2 phi + mu') sd(N); prints its binodals at 300 and 400 K against the
    surrogate's."""
    import fit_mnfepba_surrogate as fs
    y, T, mu, w = (np.array(v) for v in zip(*points))
    X = [np.ones_like(y)]
    for i in range(len(sur.a)):
        X += [rk_basis(i, y), T * rk_basis(i, y)]
    X = np.array(X).T
    resp = mu - KB * T * np.log(y / (1 - y))
    c = np.linalg.lstsq(X / w[:, None], resp / w, rcond=None)[0]
    theta = np.empty(2 * len(sur.a))
    theta[0::2], theta[1::2] = c[1::2], c[2::2]
    truth = np.column_stack([sur.a, sur.b]).ravel()
    print("exact-means fit: E0 %+.2e eV, largest |L_a| shift %.2e eV, |L_b| %.2e eV/K"
          % (c[0] - sur.E0, np.max(np.abs(theta[0::2] - sur.a)),
             np.max(np.abs(theta[1::2] - sur.b))))
    for T0 in (300.0, 400.0):
        got = fs.common_tangent(T0, fs.coefficients(theta, T0))
        want = fs.common_tangent(T0, fs.coefficients(truth, T0))
        print("  %.0f K binodals: x1 %.6f (surrogate %.6f), x2 %.5f (surrogate %.5f)"
              % (T0, 2 * got[0], 2 * want[0], 2 * got[1], 2 * want[1]))


def make_windows(sur, out, seed, check):
    rng = np.random.default_rng(seed)
    Ngrid = np.arange(SITES + 1)
    rows = []
    points = []
    total = 0
    for T in TEMPERATURES:
        kT = KB * T
        F = sur.F(Ngrid, T)
        sub = "T%d" % T
        os.makedirs(os.path.join(out, sub), exist_ok=True)
        N_last = N_START
        worst = 0.0
        extended = 0
        for Nt in TARGETS:
            Nc = centre(Nt)
            mu_bias = round(float(sur.mu(Nc, T)) + 2 * PHI * (Nc - Nt), 2)
            U = F - mu_bias * Ngrid + PHI * (Ngrid - Nt) ** 2
            series, ext = run_window(U, N_last, kT, rng)
            extended += ext > 0
            N_last = int(series[-1])
            name = "%s/w%04d.dat" % (sub, Nt)
            with open(os.path.join(out, name), "w") as f:
                f.write("# constructed (not atomistic): Metropolis walk on N under the MnFePBA "
                        "surrogate, postproc/make_mnfepba_gcmc.py\n")
                f.write("# T = %d K, N_t = %d, phi = %g eV, mu_bias = %.2f eV, one sample "
                        "every %d moves\n" % (T, Nt, PHI, mu_bias, STRIDE))
                f.write("# step N\n")
                for i, n in enumerate(series):
                    f.write("%d %d\n" % ((i + 1) * STRIDE, n))
            total += os.path.getsize(os.path.join(out, name))
            rows.append((name, T, Nt, PHI, mu_bias))
            if check:
                w = -(U - U.min()) / kT
                p = np.exp(w - w.max())
                p /= p.sum()
                mean = float(p @ Ngrid)
                sd = math.sqrt(float(p @ (Ngrid - mean) ** 2))
                est = mu_bias - 2 * PHI * (mean - Nt)  # eq. 17 at the exact mean
                worst = max(worst, abs(est - float(sur.mu(mean, T))))
                h = 0.5
                slope = float(sur.mu(mean + h, T) - sur.mu(mean - h, T)) / (2 * h)
                points.append((mean / SITES, T, est, (2 * PHI + max(slope, 0.0)) * sd))
        print("%d K: %d of %d windows extended beyond %d samples"
              % (T, extended, len(TARGETS), SAMPLES))
        if check:
            print("%d K: largest |eq. 17 at the exact <N> - mu_h(<N>)| = %.3g meV"
                  % (T, 1e3 * worst))
    with open(os.path.join(out, "manifest.csv"), "w") as f:
        f.write("# MnFePBA biased-GCMC windows CONSTRUCTED from params/mnfepba_surrogate.yaml by "
                "postproc/make_mnfepba_gcmc.py (seed %d); not atomistic data\n" % seed)
        f.write("# energy_unit: eV\n")
        f.write("# formula_units: %d\n" % FORMULA_UNITS)
        f.write("# sites_per_formula_unit: 2\n")
        f.write("# volume: %.6g m^3\n" % (CELL ** 3))
        f.write("# N_column: N\n")
        f.write("# ideal: lattice\n")
        f.write("window_file,temperature_K,N_target,phi,mu_bias\n")
        for name, T, Nt, phi, mu_bias in rows:
            f.write("%s,%d,%d,%g,%.2f\n" % (name, T, Nt, phi, mu_bias))
    if check:
        exact_means_fit(sur, points)
    return len(rows), total


def make_excess(out, seed):
    rng = np.random.default_rng(seed + 1)
    n = np.array(REPEATS, dtype=float)
    A = CELL * CELL
    L = n * CELL
    y_true = 2 * GAMMA + L * STRAIN                      # dE/A, J/m^2
    X = np.column_stack([np.ones_like(L), L])
    e = rng.normal(size=len(L))
    e -= X @ np.linalg.lstsq(X, e, rcond=None)[0]        # orthogonal to the fit's columns
    # OLS: se(intercept)^2 = s^2 [(X^T X)^-1]_00 with s^2 = |e|^2 / (n - 2); gamma = c0 / 2
    cov = np.linalg.inv(X.T @ X)
    s = 2 * GAMMA_SE / math.sqrt(cov[0, 0])
    e *= s / math.sqrt(e @ e / (len(L) - 2))
    y = y_true + e
    E = y * A / E_CHARGE                                  # eV
    se_strain = s * math.sqrt(cov[1, 1])
    path = os.path.join(out, "excess_energy.csv")
    with open(path, "w") as f:
        f.write("# MnFePBA two-phase supercells, CONSTRUCTED by postproc/make_mnfepba_gcmc.py "
                "(seed %d): not MLIP energies.\n" % (seed + 1))
        f.write("# E_excess = 2 A gamma + V eps_strain (eq. 5) with the paper's fitted gamma = "
                "2.828 mJ/m^2, eps_strain = 37.655 MJ/m^3,\n")
        f.write("# plus noise orthogonal to the fit (least squares returns those values) scaled "
                "to the paper's se of gamma, 1.71 mJ/m^2;\n")
        f.write("# rms noise %.3g eV per cell; the se of eps_strain is then %.3g MJ/m^3 "
                "(paper: 0.0875).\n" % (float(np.sqrt(np.mean((e * A / E_CHARGE) ** 2))),
                                        1e-6 * se_strain))
        f.write("n_cells,cell_length [angstrom],A [angstrom^2],E_excess [eV]\n")
        for k in range(len(L)):
            f.write("%d,80,6400,%.6f\n" % (REPEATS[k], E[k]))
    return path, se_strain


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(root, "params", "mnfepba_gcmc"))
    ap.add_argument("--surrogate", default=os.path.join(root, "params", "mnfepba_surrogate.yaml"))
    ap.add_argument("--seed", type=int, default=20250611)
    ap.add_argument("--check", action="store_true",
                    help="report the bias of eq. 17 from the exact distributions")
    a = ap.parse_args()
    sur = Surrogate(a.surrogate)
    if sur.s != 2:
        sys.exit("make_mnfepba_gcmc.py: expected 2 sites per formula unit in %s" % a.surrogate)
    os.makedirs(a.out, exist_ok=True)
    nw, size = make_windows(sur, a.out, a.seed, a.check)
    print("wrote %s/manifest.csv and %d window files (%.2f MB)" % (a.out, nw, size / 1e6))
    path, se_strain = make_excess(a.out, a.seed)
    print("wrote %s (se of eps_strain %.3g MJ/m^3)" % (path, 1e-6 * se_strain))


if __name__ == "__main__":
    main()

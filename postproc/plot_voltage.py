#!/usr/bin/python3
"""Voltage [V] against capacity [Ah/m^2], one curve per upscale output file.

    plot_voltage.py OUT.h5 [more.h5 ...] [-o PNG]

The legend names each curve after the /case "name" attribute (else the file name); a
file whose root "status" is not "complete" is marked in the title.  Without -o the PNG is
written next to the first file as OUT_voltage.png.  Run with /usr/bin/python3 (Debian's
numpy, h5py, matplotlib).
"""

import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import upscale_h5  # noqa: E402

# Accepted units and their factor to the plotted unit.
VOLTAGE_UNITS = {"V": 1.0, "mV": 1e-3}
CAPACITY_UNITS = {"Ah/m^2": 1.0, "A h/m^2": 1.0, "A.h/m^2": 1.0, "mAh/cm^2": 10.0,
                  "C/m^2": 1.0 / 3600.0, "A s/m^2": 1.0 / 3600.0}


def to_unit(q, table, name, path, filename):
    if q.units not in table:
        raise upscale_h5.UpscaleFileError(
            f"{filename}: {path} has units {q.units!r}, expected one of "
            f"{', '.join(table)} for {name}")
    return q.values * table[q.units]


def load_curve(f, filename):
    """(capacity [Ah/m^2], voltage [V]) from the open file f."""
    v = upscale_h5.read(f, "/timeseries/voltage")
    q = upscale_h5.read(f, "/timeseries/capacity")
    voltage = to_unit(v, VOLTAGE_UNITS, "a voltage", "/timeseries/voltage", filename)
    capacity = to_unit(q, CAPACITY_UNITS, "a capacity", "/timeseries/capacity", filename)
    if voltage.ndim != 1 or voltage.shape != capacity.shape:
        raise upscale_h5.UpscaleFileError(
            f"{filename}: /timeseries/voltage {voltage.shape} and /timeseries/capacity "
            f"{capacity.shape} are not vectors of the same length")
    return capacity, voltage


def main(argv=None):
    ap = argparse.ArgumentParser(description="Plot voltage against capacity.")
    ap.add_argument("files", nargs="+", metavar="OUT.h5")
    ap.add_argument("-o", "--output", metavar="PNG",
                    help="output image (default: FIRST_voltage.png next to the first file)")
    args = ap.parse_args(argv)
    prog = os.path.basename(sys.argv[0])

    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    incomplete = []
    try:
        for filename in args.files:
            with upscale_h5.open_file(filename) as f:
                capacity, voltage = load_curve(f, filename)
                name = upscale_h5.case_name(f)
                status = upscale_h5.status(f)
            label = name
            if status != "complete":
                reason = (status or "no status attribute").removeprefix("incomplete:").strip()
                incomplete.append(f"{name} ({reason})" if reason else name)
                label += " (incomplete)"
            ax.plot(capacity, voltage, label=label)
    except upscale_h5.UpscaleFileError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return 1

    ax.set_xlabel("capacity [Ah/m$^2$]")
    ax.set_ylabel("voltage [V]")
    ax.grid(True, alpha=0.3)
    ax.legend()
    title = "Voltage vs capacity"
    if incomplete:
        title += "\nINCOMPLETE run: " + "; ".join(incomplete)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()

    out = args.output or os.path.splitext(args.files[0])[0] + "_voltage.png"
    try:
        fig.savefig(out, dpi=120)
    except OSError as e:
        print(f"{prog}: cannot write {out}: {e.strerror or e}", file=sys.stderr)
        return 1
    print(f"wrote {os.path.abspath(out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

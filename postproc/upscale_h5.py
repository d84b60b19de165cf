"""Read upscale output files (HDF5) with their units.

Layout written by src/io/output.c:
  /timeseries/time [s], /timeseries/voltage [V], /timeseries/current [A/m^2],
  /timeseries/capacity [Ah/m^2], fields, mesh, ...: datasets, each with a "units" string
  attribute; /parameters: one attribute per input, the units of a number in the sibling
  attribute "NAME.units"; root attributes "version", "status" ("complete" or
  "incomplete: <reason>"); /case attribute "name".

    import upscale_h5
    ts = upscale_h5.load_timeseries("out.h5")
    ts["voltage"].values, ts["voltage"].units

Every function takes a file name or an open h5py.File.
"""

import contextlib
import os
import sys
from dataclasses import dataclass

import h5py
import numpy as np

UNITS_SUFFIX = ".units"


class UpscaleFileError(Exception):
    """A file is missing, unreadable, or lacks something the caller needs."""


@dataclass
class Quantity:
    """Values (numpy array or scalar) with their units string (None if the file gave none)."""

    values: object
    units: object = None

    def __repr__(self):
        return f"Quantity({self.values!r}, units={self.units!r})"


def _text(value):
    """Attribute value as str when it is a string (h5py returns bytes for fixed-length)."""
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray) and value.dtype.kind in "SO" and value.ndim == 0:
        return _text(value[()])
    return value


def _plain(value):
    """numpy scalars to Python scalars, strings decoded."""
    value = _text(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def open_file(filename):
    """Open read-only; a missing or non-HDF5 file raises UpscaleFileError."""
    if not os.path.exists(filename):
        raise UpscaleFileError(f"{filename}: no such file")
    try:
        return h5py.File(filename, "r")
    except OSError as e:
        raise UpscaleFileError(f"{filename}: not a readable HDF5 file ({e})") from None


@contextlib.contextmanager
def _opened(source):
    """An open h5py.File from a file name (closed afterwards) or an open file (kept open)."""
    if isinstance(source, h5py.File):
        yield source
    else:
        with open_file(source) as f:
            yield f


def read(source, path):
    """One dataset as a Quantity; a missing dataset raises UpscaleFileError."""
    with _opened(source) as f:
        return _dataset(f, path)


def _dataset(f, path):
    obj = f.get(path)
    if not isinstance(obj, h5py.Dataset):
        what = "missing dataset" if obj is None else "not a dataset:"
        raise UpscaleFileError(f"{f.filename}: {what} {path}")
    values = obj[()]
    if obj.dtype.kind in "SO":
        values = np.array([_text(v) for v in np.ravel(values)], dtype=object).reshape(
            np.shape(values))
    units = _text(obj.attrs.get("units"))
    return Quantity(values, units)


def load_group(source, group):
    """Every dataset below group, keyed by its path relative to group."""
    out = {}
    with _opened(source) as f:
        g = f.get(group)
        if not isinstance(g, h5py.Group):
            raise UpscaleFileError(f"{f.filename}: missing group {group}")

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = _dataset(f, obj.name)

        g.visititems(visit)
    return out


def load_timeseries(source):
    """/timeseries: {"time": Quantity, "voltage": ..., ...}."""
    return load_group(source, "/timeseries")


def load_fields(source):
    return load_group(source, "/fields")


def load_mesh(source):
    return load_group(source, "/mesh")


def load_attributes(source, path="/"):
    """Attributes of one object as plain Python values (strings decoded)."""
    with _opened(source) as f:
        obj = f.get(path)
        if obj is None:
            raise UpscaleFileError(f"{f.filename}: missing object {path}")
        return {k: _plain(v) for k, v in obj.attrs.items()}


def load_parameters(source, path="/parameters"):
    """Parameters as {key: Quantity}; numbers carry the units stored in "KEY.units"."""
    attrs = load_attributes(source, path)
    out = {}
    for key, value in attrs.items():
        if key.endswith(UNITS_SUFFIX) and key[: -len(UNITS_SUFFIX)] in attrs:
            continue
        out[key] = Quantity(value, attrs.get(key + UNITS_SUFFIX))
    return out


def status(source):
    """Root "status" ("complete", "incomplete: <reason>"), or None if absent."""
    return load_attributes(source).get("status")


def is_complete(source):
    return status(source) == "complete"


def case_name(source):
    """The root "name" attribute (the case's `name:` key), else the /case group's "name",
    else the file name without its extension."""
    with _opened(source) as f:
        if "name" in f.attrs and str(_text(f.attrs["name"])):
            return str(_text(f.attrs["name"]))
        obj = f.get("/case")
        if obj is not None and "name" in obj.attrs:
            return str(_text(obj.attrs["name"]))
        return os.path.splitext(os.path.basename(f.filename))[0]


def first_crossing(t, v, level):
    """First time the voltage reaches level (either direction), linearly interpolated; None if
    it never does."""
    d = v - level
    for i in range(1, len(v)):
        if d[i - 1] == 0:
            return t[i - 1]
        if d[i - 1] * d[i] < 0:
            return t[i - 1] + (t[i] - t[i - 1]) * d[i - 1] / (d[i - 1] - d[i])
    return None


def fields_group(f, filename, group):
    """The path prefix ("" or "/rate_1C") of a run's fields in the open file f, checked: a
    missing group, or fields without /fields/time (naming the groups that have them), raise
    UpscaleFileError."""
    g = "/" + group.strip("/") if group else ""
    if g and g not in f:
        raise UpscaleFileError(f"{filename}: missing group {g}")
    if g + "/fields/time" not in f:
        groups = [k for k in f if isinstance(f[k], h5py.Group) and "fields" in f[k]]
        hint = f" (choose one with --group: {', '.join(groups)})" if groups else \
            " (was it run with output.fields: false?)"
        raise UpscaleFileError(f"{filename}: missing dataset {g}/fields/time{hint}")
    return g


def requested_snapshots(t, ts_t, ts_v, times, voltages, filename, prog):
    """Snapshot indices and labels for --times (s) or --voltages (V, the first time the cell
    voltage reaches each), or None if neither was given.  A voltage the run never reaches
    raises UpscaleFileError; a request far from every snapshot (more than half the spacing)
    gets a note on stderr naming the snapshot used."""
    if times:
        wanted = times
        labels = [f"t = {w:g} s" for w in wanted]
    elif voltages:
        wanted, labels = [], []
        for level in voltages:
            tc = first_crossing(ts_t, ts_v, level)
            if tc is None:
                raise UpscaleFileError(
                    f"{filename}: the voltage never reaches {level:g} V (range "
                    f"{ts_v.min():.4g} to {ts_v.max():.4g} V)")
            wanted.append(tc)
            labels.append(f"V = {level:g} V")
    else:
        return None
    snaps = [int(abs(t - w).argmin()) for w in wanted]
    spacing = float(sorted(t[1:] - t[:-1])[(len(t) - 1) // 2]) if len(t) > 1 else 0.0
    for w, i, lab in zip(wanted, snaps, labels):
        if abs(t[i] - w) > 0.5 * spacing:
            print(f"{prog}: note: {lab} is at t = {w:.4g} s; the nearest snapshot is at "
                  f"{t[i]:.4g} s (output.snapshot_interval sets how often fields are stored)",
                  file=sys.stderr)
    return snaps, labels


def floats(text, what, prog):
    """Comma-separated numbers of a command-line option; anything else ends the program with
    one line naming the option."""
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise SystemExit(f"{prog}: {what} {text!r}: expected comma-separated numbers")

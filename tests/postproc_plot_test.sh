#!/bin/sh
# postproc/plot_voltage.py on tiny files made with h5py: a good file gives a non-empty PNG;
# a file without /timeseries/voltage gives a message naming it and a non-zero exit.
# Uses Debian's /usr/bin/python3 (numpy, h5py, matplotlib).  Exit status: failed checks.
set -u

src=${UPSCALE_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
py=/usr/bin/python3
plot="$src/postproc/plot_voltage.py"
work=$(mktemp -d /tmp/upscale_postproc_test.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
export MPLCONFIGDIR="$work/mpl"
failures=0

check() { # check DESCRIPTION COMMAND...
    desc=$1
    shift
    if "$@"; then
        echo "PASS: $desc"
    else
        echo "FAIL: $desc"
        failures=$((failures + 1))
    fi
}

# make_file FILE [omit]: a tiny output file; "omit" leaves out /timeseries/voltage.
make_file() {
    "$py" - "$1" "${2:-}" <<'EOF'
import sys
import h5py
import numpy as np

path, omit = sys.argv[1], sys.argv[2] == "omit"
t = np.linspace(0.0, 3600.0, 20)
series = {"time": (t, "s"), "current": (np.full_like(t, 30.0), "A/m^2"),
          "capacity": (30.0 * t / 3600.0, "Ah/m^2"), "voltage": (4.1 - 0.7 * t / 3600.0, "V")}
with h5py.File(path, "w") as f:
    for name, (values, units) in series.items():
        if omit and name == "voltage":
            continue
        f["timeseries/" + name] = values
        f["timeseries/" + name].attrs["units"] = units
    f.attrs["version"] = "test"
    f.attrs["status"] = "incomplete: test file" if omit else "complete"
    f.attrs["case"] = "tiny"
    f.create_group("case").attrs["name"] = "tiny_cc"
EOF
}

is_png() {
    test "$(head -c 8 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a
}

check "tiny file written with h5py" make_file "$work/good.h5"
check "file without voltage written" make_file "$work/novoltage.h5" omit

"$py" "$plot" "$work/good.h5" -o "$work/good.png" >"$work/out.txt" 2>"$work/err.txt"
rc=$?
check "plot_voltage.py exits 0 (got $rc: $(cat "$work/err.txt"))" test "$rc" -eq 0
check "it prints where the PNG went" grep -q "$work/good.png" "$work/out.txt"
check "the PNG exists and is not empty" test -s "$work/good.png"
check "the file is a PNG" is_png "$work/good.png"

"$py" "$plot" "$work/novoltage.h5" -o "$work/bad.png" >"$work/out.txt" 2>"$work/err.txt"
rc=$?
check "a file without /timeseries/voltage exits non-zero (got $rc)" test "$rc" -ne 0
check "the message names the missing dataset: $(cat "$work/err.txt")" \
    grep -q "novoltage.h5: missing dataset /timeseries/voltage" "$work/err.txt"
check "no traceback" sh -c "! grep -q Traceback '$work/err.txt'"
check "no PNG written for the bad file" test ! -e "$work/bad.png"

exit "$failures"

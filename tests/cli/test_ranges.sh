#!/usr/bin/env bash
# Values without physical sense are bad input (exit status 2, one line naming the key, its
# range and unit, no output file) rather than a run that "succeeds" or fails in the solver at
# t = 0: temperatures, lengths, rates, currents, 1e300 anywhere, hexadecimal numbers in tables.
# A non-monotone OCP table of a Fick particle runs, with a warning on stderr and in the file.
#
# usage: test_ranges.sh PATH/TO/upscale   (run from the source root)
# Prints one line per check ("PASS: ..." / "FAIL: ...") and exits with the number of failures.

set -u

UPSCALE=${1:?usage: test_ranges.sh PATH/TO/upscale}
SRC=${UPSCALE_SOURCE_DIR:-$(pwd)}
SRC=$(cd "$SRC" && pwd)
PARAMS=$SRC/params/doyle1996_licoo2_graphite.yaml
PBA=$SRC/cases/pba_hc_charge_0.5C.yaml
PY=/usr/bin/python3
if [ ! -x "$UPSCALE" ] || [ ! -f "$PARAMS" ] || [ ! -f "$PBA" ]; then
    echo "FAIL: needs the program '$UPSCALE' and params/, cases/ under '$SRC'"
    exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/upscale_ranges.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The Doyle 1996 cell (1C = 24.1 A/m^2), 10 minutes of discharge on a coarse mesh.
CASE=$TMP/case.yaml
printf '%s\n' "name: ranges" "include: $PARAMS" "protocol:" "  - mode: discharge" \
    "    current: 24 A/m^2" "    duration: 10 min" "    voltage_cutoff: 3.0 V" "numerics:" \
    "  cells: {negative: 4, separator: 3, positive: 4}" "  shells: {negative: 4, positive: 4}" \
    >"$CASE"

# expect_bad NAME PATTERN CASE [ARGS...]: exit 2, one line matching PATTERN, no file.
n=0
expect_bad() {
    local name=$1 pattern=$2 case_file=$3
    shift 3
    n=$((n + 1))
    local out=$TMP/out_$n.h5 err=$TMP/err_$n.txt
    "$UPSCALE" run "$case_file" -o "$out" -q "$@" >/dev/null 2>"$err"
    local status=$? msg
    msg=$(head -c 400 "$err" | tr '\n' '|')
    if [ "$status" -eq 2 ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -Eq -- "$pattern" "$err"; then
        pass "$name: exit status 2: $(head -n 1 "$err")"
    else
        fail "$name: exit status $status, stderr '$msg', expected 2 and one line /$pattern/"
    fi
    if [ -e "$out" ] || [ -e "$out.tmp" ]; then fail "$name: output file left behind"; fi
}

# expect_run NAME [ARGS...]: `upscale run CASE ARGS...` exits 0 and writes its file.
expect_run() {
    local name=$1
    shift
    n=$((n + 1))
    LAST_OUT=$TMP/out_$n.h5
    LAST_ERR=$TMP/err_$n.txt
    LAST_STDOUT=$TMP/stdout_$n.txt
    "$UPSCALE" run "$CASE" -o "$LAST_OUT" "$@" >"$LAST_STDOUT" 2>"$LAST_ERR"
    local status=$?
    if [ "$status" -eq 0 ] && [ -f "$LAST_OUT" ]; then
        pass "$name: exit status 0"
    else
        fail "$name: exit status $status ($(head -c 300 "$LAST_ERR" | tr '\n' '|'))"
    fi
}

# ---- temperatures: [150, 1000] K; degC is converted first --------------------------------
expect_bad "cell.temperature 1e300 K" \
    "^upscale: command line: cell\.temperature: expected a number in \[150, 1000\] K, got 1e\+300 K" \
    "$CASE" --set cell.temperature=1e300K
expect_bad "cell.temperature 25 K" \
    "cell\.temperature: expected a number in \[150, 1000\] K, got 25 K" \
    "$CASE" --set cell.temperature=25K
expect_bad "cell.temperature -200 degC (73 K)" \
    "cell\.temperature: expected a number in \[150, 1000\] K, got 73\.15 K" \
    "$CASE" --set "cell.temperature=-200 degC"
expect_bad "cell.reference_temperature 5000 K" \
    "cell\.reference_temperature: expected a number in \[150, 1000\] K" \
    "$CASE" --set cell.reference_temperature=5000K
# 298.15 degC is 571.3 K, inside the range (a molten-salt cell runs there): legal.
expect_run "cell.temperature 298.15 degC (571.3 K, in range)" -q --set "cell.temperature=298.15 degC"
# 25 degC is exactly 298.15 K: the same run.
expect_run "cell.temperature 25 degC" --set "cell.temperature=25 degC"
v1=$(grep -o 'final voltage [0-9.]*' "$LAST_STDOUT")
expect_run "cell.temperature 298.15 K" --set "cell.temperature=298.15 K"
v2=$(grep -o 'final voltage [0-9.]*' "$LAST_STDOUT")
if [ -n "$v1" ] && [ "$v1" = "$v2" ]; then
    pass "25 degC and 298.15 K give the same run ($v1 V)"
else
    fail "25 degC gives '$v1', 298.15 K gives '$v2'"
fi

# ---- lengths, and 1e300 anywhere ---------------------------------------------------------
expect_bad "particle radius 10 m" \
    "positive\.particle_radius: expected a number in \(0, 0\.001\] m, got 10 m" \
    "$CASE" --set positive.particle_radius=10m
for kv in "positive.thickness=1e300 m" "separator.thickness=1e300 m" \
    "negative.particle_radius=1e300 m" "positive.conductivity=1e300 S/m" \
    "positive.diffusivity=1e300 m^2/s" "positive.max_concentration=1e300 mol/m^3" \
    "electrolyte.initial_concentration=1e300 mol/m^3" "positive.film_resistance=1e300 Ohm m^2" \
    "negative.contact_resistance=1e300 Ohm m^2" "positive.rate_activation_energy=1e300 J/mol" \
    "electrolyte.conductivity_activation_energy=1e300 J/mol" \
    "positive.rate_constant=1e300 m^2.5 mol^-0.5 s^-1" "electrolyte.diffusivity=1e300 m^2/s" \
    "electrolyte.conductivity=1e300 S/m"; do
    key=${kv%%=*}
    expect_bad "$key = 1e300" \
        "^upscale: command line: ${key//./\\.}: expected a number in [[(]0, [0-9.e+]+\] .*got 1e\+300" \
        "$CASE" --set "$kv"
done

# ---- rates and currents: at most 100C ----------------------------------------------------
expect_bad "c_rate 1000" "protocol\.0\.c_rate: expected a number in \(0, 100\], got 1000" \
    "$CASE" --set protocol.0.c_rate=1000
expect_bad "current 1e6 A/m^2" \
    "protocol\.0\.current: expected a current density in \(0, 24[0-9][0-9]\] A/m\^2 \(100C; 1C is 24\.[0-9]+ A/m\^2 for this cell\), got 1e\+06 A/m\^2" \
    "$CASE" --set "protocol.0.current=1e6 A/m^2"
expect_run "current 100 A/m^2 (about 4C)" -q --set "protocol.0.current=100 A/m^2"

# ---- a Cahn-Hilliard interface no wider than the particle --------------------------------
expect_bad "interface_width 1 m" \
    "positive\.interface_width: expected a length in \(0, [0-9.e-]+\] m \(at most positive\.particle_radius\), got 1 m" \
    "$PBA" --set positive.interface_width=1m

# ---- tables: hexadecimal refused, the range message, a non-monotone OCP warned -----------
mkdir -p "$TMP/hex" "$TMP/neg" "$TMP/ocp"
printf 'x [1],U [V]\n0,4.2\n0x1p-1,4.0\n1,3.5\n' >"$TMP/hex/U.csv"
printf 'include: %s\npositive:\n  ocp: table U.csv\n' "$CASE" >"$TMP/hex/case.yaml"
expect_bad "hexadecimal number in a table" \
    "^upscale: .*hex/case\.yaml:3: positive\.ocp: .*U\.csv:3: expected a row 'x,y' of two numbers, got '0x1p-1,4\.0'" \
    "$TMP/hex/case.yaml"
printf 'x [1],U [V]\n0,4.2\n0.5,0x4\n1,3.5\n' >"$TMP/hex/U.csv"
expect_bad "hexadecimal y in a table" "U\.csv:3: expected a row 'x,y' of two numbers, got '0\.5,0x4'" \
    "$TMP/hex/case.yaml"
printf 'c [mol/m^3],D [m^2/s]\n0,-1e-14\n50000,1e-13\n' >"$TMP/neg/D.csv"
printf 'include: %s\npositive:\n  diffusivity: table D.csv\n' "$CASE" >"$TMP/neg/case.yaml"
expect_bad "table values out of range" \
    "positive\.diffusivity: table '.*D\.csv' has values from -1e-14 to 1e-13 \[m\^2/s\], expected a diffusivity in \(0, 0\.0001\]" \
    "$TMP/neg/case.yaml"
printf 'x [1],U [V]\n0,4.3\n0.5,4.0\n0.6,4.05\n1,3.6\n' >"$TMP/ocp/U.csv"
printf 'include: %s\npositive:\n  ocp: table U.csv\n' "$CASE" >"$TMP/ocp/case.yaml"
out=$TMP/ocp/out.h5
"$UPSCALE" run "$TMP/ocp/case.yaml" -o "$out" -q >/dev/null 2>"$TMP/ocp/err"
status=$?
if [ "$status" -eq 0 ] &&
    grep -q "^upscale: warning: positive\.ocp: table '.*U\.csv' is not monotone (turns back at x = 0\.5)" "$TMP/ocp/err"; then
    pass "non-monotone OCP table: runs, warning on stderr"
else
    fail "non-monotone OCP table: exit status $status, stderr '$(head -c 300 "$TMP/ocp/err")'"
fi
w=$("$PY" -c '
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    w = f.attrs["warnings"]
    print(w.decode() if isinstance(w, bytes) else w)' "$out" 2>&1)
if [[ "$w" == *"U.csv' is not monotone (turns back at x = 0.5)"* ]]; then
    pass "non-monotone OCP table: warning in the file's warnings attribute"
else
    fail "non-monotone OCP table: warnings attribute is '$w'"
fi
# the case's own (monotone) OCP gives no warning
expect_run "monotone OCP" -q
if grep -q "not monotone" "$LAST_ERR"; then fail "monotone OCP warned"; else pass "monotone OCP: no warning"; fi

echo "$failures failure(s)"
exit "$failures"

#!/usr/bin/env bash
# Bad input on the command line: every mistake gives exit status 2, exactly one line on
# stderr naming the file, line and key, and no output file.  A solver failure gives exit
# status 3, a clear message and a partial output file with status "incomplete: ...".
#
# usage: test_bad_input.sh PATH/TO/upscale   (run from the source root)
# Prints one line per check ("PASS: ..." / "FAIL: ...") and exits with the number of
# failed checks.

set -u

UPSCALE=${1:?usage: test_bad_input.sh PATH/TO/upscale}
SRC=${UPSCALE_SOURCE_DIR:-$(pwd)}
SRC=$(cd "$SRC" && pwd)
PARAMS=$SRC/params/doyle1996_licoo2_graphite.yaml
NEWMAN=$SRC/cases/validation/newman_licoo2_graphite_1C.yaml
PY=/usr/bin/python3

if [ ! -x "$UPSCALE" ]; then
    echo "FAIL: program '$UPSCALE' is not executable"
    exit 1
fi
if [ ! -f "$PARAMS" ] || [ ! -f "$NEWMAN" ]; then
    echo "FAIL: cannot find params/ and cases/ under '$SRC' (run from the source root)"
    exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/upscale_bad_input.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The valid base: the Doyle 1996 cell with a short protocol and a coarse mesh.
# Line numbers matter: the bad keys are appended after this block.
base_case() {
    cat <<EOF
name: bad_input
include: $PARAMS
protocol:
  - mode: discharge
    current: 24 A/m^2
    voltage_cutoff: 3.0 V
numerics:
  cells: {negative: 4, separator: 3, positive: 4}
  shells: {negative: 4, positive: 4}
EOF
}

# expect_bad NAME PATTERN CASE [ARGS...]
#   runs `upscale run CASE -o OUT -q ARGS...` and checks: status 2, one stderr line that
#   matches the extended regular expression PATTERN, no OUT and no temporary OUT.tmp.*.
n_run=0
expect_bad() {
    local name=$1 pattern=$2 case_file=$3
    shift 3
    n_run=$((n_run + 1))
    local out=$TMP/out_$n_run.h5 err=$TMP/err_$n_run.txt
    "$UPSCALE" run "$case_file" -o "$out" -q "$@" >"$TMP/stdout_$n_run.txt" 2>"$err"
    local status=$?
    local lines
    lines=$(wc -l <"$err")
    local msg
    msg=$(head -c 600 "$err" | tr '\n' '|')
    if [ "$status" -eq 2 ]; then
        pass "$name: exit status 2"
    else
        fail "$name: exit status $status, expected 2 (stderr: $msg)"
    fi
    if [ "$lines" -eq 1 ] && [ -z "$(tail -c 1 "$err" | tr -d '\n')" ]; then
        pass "$name: exactly one line on stderr"
    else
        fail "$name: $lines lines on stderr, expected exactly 1 (stderr: $msg)"
    fi
    if grep -Eq -- "$pattern" "$err"; then
        pass "$name: message matches /$pattern/"
    else
        fail "$name: message '$msg' does not match /$pattern/"
    fi
    if [ ! -e "$out" ] && ! compgen -G "$out.tmp*" >/dev/null; then
        pass "$name: no output file"
    else
        fail "$name: output file left behind ($(ls "$out"* 2>/dev/null | tr '\n' ' '))"
    fi
}

# A case file in the temp dir: the base plus the lines given on stdin.
# make_case NAME -> path; the file is $TMP/NAME/case.yaml
make_case() {
    local dir=$TMP/$1
    mkdir -p "$dir"
    { base_case; cat; } >"$dir/case.yaml"
    echo "$dir/case.yaml"
}

# Line number (1-based) of the first line of FILE matching the fixed string TEXT.
line_of() { grep -nF -- "$2" "$1" | head -n 1 | cut -d: -f1; }

# ---- 0. the base case itself is valid (otherwise every check below is meaningless) ----
good=$(make_case good </dev/null)
"$UPSCALE" run "$good" -o "$TMP/good.h5" -q >/dev/null 2>"$TMP/good.err"
status=$?
if [ "$status" -eq 0 ] && [ -f "$TMP/good.h5" ]; then
    pass "valid base case runs (exit status 0, output written)"
else
    fail "valid base case: exit status $status, stderr: $(head -c 400 "$TMP/good.err")"
fi

# ---- 1. unknown key (a typo) ------------------------------------------------------------
c=$(make_case typo <<'EOF'
positive:
  thicknes: 90 um
EOF
)
l=$(line_of "$c" "thicknes:")
expect_bad "unknown key" "^upscale: .*typo/case\.yaml:$l: positive\.thicknes: unknown key" "$c"

# ---- 2. missing key ----------------------------------------------------------------------
mkdir -p "$TMP/missing"
grep -v 'max_concentration: 51217.93' "$PARAMS" >"$TMP/missing/params.yaml"
base_case | sed "s#include: .*#include: params.yaml#" >"$TMP/missing/case.yaml"
expect_bad "missing key" \
    "^upscale: .*missing/case\.yaml: positive\.max_concentration: missing key" \
    "$TMP/missing/case.yaml"

# ---- 3. missing unit on a dimensional value ---------------------------------------------
c=$(make_case nounit <<'EOF'
positive:
  thickness: 100
EOF
)
l=$(line_of "$c" "thickness: 100")
expect_bad "missing unit" "^upscale: .*nounit/case\.yaml:$l: positive\.thickness: missing unit" "$c"

# ---- 4. wrong unit ------------------------------------------------------------------------
c=$(make_case kg <<'EOF'
negative:
  thickness: 100 kg
EOF
)
l=$(line_of "$c" "thickness: 100 kg")
expect_bad "wrong unit (kg for a thickness)" \
    "^upscale: .*kg/case\.yaml:$l: negative\.thickness: .*length.*'kg'" "$c"

# ---- 4b. unknown units: the same message whether or not the unit database has been read
# (every unit of the base case converts without it; a unit outside that table reads it) --
c=$(make_case furlong <<'EOF'
negative:
  thickness: 100 furlongs
EOF
)
l=$(line_of "$c" "thickness: 100 furlongs")
expect_bad "unknown unit" \
    "^upscale: .*furlong/case\.yaml:$l: negative\.thickness: expected a length \(unit convertible to m\), got unknown unit 'furlongs'\$" \
    "$c"
expect_bad "--set with an unknown unit" \
    "^upscale: command line: positive\.thickness: expected a length \(unit convertible to m\), got unknown unit 'furlongs'\$" \
    "$good" --set positive.thickness=90furlongs

# ---- 5. negative and zero thickness -------------------------------------------------------
c=$(make_case negative <<'EOF'
negative:
  thickness: -100 um
EOF
)
l=$(line_of "$c" "thickness: -100 um")
expect_bad "negative thickness" "^upscale: .*negative/case\.yaml:$l: negative\.thickness: " "$c"

c=$(make_case zero <<'EOF'
separator:
  thickness: 0 um
EOF
)
l=$(line_of "$c" "thickness: 0 um")
expect_bad "zero thickness" "^upscale: .*zero/case\.yaml:$l: separator\.thickness: " "$c"

# ---- 6. porosity out of range -------------------------------------------------------------
c=$(make_case por12 <<'EOF'
positive:
  porosity: 1.2
EOF
)
l=$(line_of "$c" "porosity: 1.2")
expect_bad "porosity 1.2" "^upscale: .*por12/case\.yaml:$l: positive\.porosity: .*1\.2" "$c"

c=$(make_case por0 <<'EOF'
positive:
  porosity: 0
EOF
)
l=$(line_of "$c" "porosity: 0")
expect_bad "porosity 0" "^upscale: .*por0/case\.yaml:$l: positive\.porosity: " "$c"

# ---- 7. non-finite values ----------------------------------------------------------------
c=$(make_case nan <<'EOF'
positive:
  porosity: nan
EOF
)
l=$(line_of "$c" "porosity: nan")
expect_bad "nan" "^upscale: .*nan/case\.yaml:$l: positive\.porosity: .*finite" "$c"

c=$(make_case inf <<'EOF'
negative:
  particle_radius: inf um
EOF
)
l=$(line_of "$c" "particle_radius: inf um")
expect_bad "inf" "^upscale: .*inf/case\.yaml:$l: negative\.particle_radius: " "$c"

# ---- 8. a missing included file ----------------------------------------------------------
mkdir -p "$TMP/noinclude"
base_case | sed "s#include: .*#include: no_such_params.yaml#" >"$TMP/noinclude/case.yaml"
l=$(line_of "$TMP/noinclude/case.yaml" "include:")
expect_bad "missing included file" \
    "^upscale: .*noinclude/case\.yaml:$l: include: .*no_such_params\.yaml" \
    "$TMP/noinclude/case.yaml"

# ---- 9. tables: path missing, malformed row, non-numeric value ---------------------------
c=$(make_case notable <<'EOF'
positive:
  diffusivity: table no_such_table.csv
EOF
)
l=$(line_of "$c" "diffusivity: table")
expect_bad "table file missing" \
    "^upscale: .*notable/case\.yaml:$l: positive\.diffusivity: .*no_such_table\.csv" "$c"

c=$(make_case badrow <<'EOF'
positive:
  diffusivity: table D.csv
EOF
)
cat >"$TMP/badrow/D.csv" <<'EOF'
Concentration [mol/m^3],Diffusivity [m^2/s]
0,1e-13
20000,1e-13 2e-13
51217.93,1e-13
EOF
l=$(line_of "$c" "diffusivity: table")
expect_bad "table with a malformed row" \
    "^upscale: .*badrow/case\.yaml:$l: positive\.diffusivity: .*D\.csv:3: " "$c"

c=$(make_case nonnum <<'EOF'
positive:
  diffusivity: table D.csv
EOF
)
cat >"$TMP/nonnum/D.csv" <<'EOF'
Concentration [mol/m^3],Diffusivity [m^2/s]
0,1e-13
20000,abc
51217.93,1e-13
EOF
l=$(line_of "$c" "diffusivity: table")
expect_bad "table with a non-numeric value" \
    "^upscale: .*nonnum/case\.yaml:$l: positive\.diffusivity: .*D\.csv:3: " "$c"

# ---- 10. malformed YAML ------------------------------------------------------------------
c=$(make_case yaml <<'EOF'
positive:
  thickness: [100 um
EOF
)
expect_bad "malformed YAML" "^upscale: .*yaml/case\.yaml:[0-9]+: .*YAML" "$c"

# ---- 11. --set mistakes ------------------------------------------------------------------
expect_bad "--set with an unknown key" \
    "^upscale: command line: positive\.thicknes: unknown key" "$good" \
    --set positive.thicknes=90um
expect_bad "--set with a bad unit" \
    "^upscale: command line: positive\.thickness: .*'kg'" "$good" --set positive.thickness=90kg

# ---- 12. protocol mistakes ---------------------------------------------------------------
mkdir -p "$TMP/mode"
base_case | sed "s#mode: discharge#mode: dischrage#" >"$TMP/mode/case.yaml"
l=$(line_of "$TMP/mode/case.yaml" "mode: dischrage")
expect_bad "unknown protocol mode" \
    "^upscale: .*mode/case\.yaml:$l: protocol\.0\.mode: .*dischrage" "$TMP/mode/case.yaml"

mkdir -p "$TMP/nostop"
base_case | grep -v "voltage_cutoff" >"$TMP/nostop/case.yaml"
l=$(line_of "$TMP/nostop/case.yaml" "mode: discharge")
expect_bad "discharge step without a stop condition" \
    "^upscale: .*nostop/case\.yaml:$l: protocol\.0\.mode: .*(voltage_cutoff|stop)" \
    "$TMP/nostop/case.yaml"

# ---- 12b. phase-separating material: temperature outside the material file's range, an
# interface the particle mesh cannot hold ------------------------------------------------------
PBA="$SRC/cases/pba_hc_charge_0.5C.yaml"
expect_bad "material used outside its temperature range" \
    "^upscale: .*yang2025_mnfepba_hc\.yaml:[0-9]+: positive\.ocp: cell\.temperature 800 K is outside" \
    "$PBA" --set cell.temperature=800K
expect_bad "interface narrower than the particle mesh can hold" \
    "^upscale: command line: numerics\.shells\.positive: .*interface" \
    "$PBA" --set numerics.shells.positive=8
# ---- 12c. spectral particles (numerics.particle_discretisation): an unknown choice, a
# Cahn-Hilliard particle, too few and too many nodes, a region the cell does not have ---------
c=$(make_case spectral_choice <<'EOF'
  particle_discretisation: {negative: chebyshev}
EOF
)
l=$(line_of "$c" "particle_discretisation:")
expect_bad "unknown particle discretisation" \
    "^upscale: .*spectral_choice/case\.yaml:$l: numerics\.particle_discretisation\.negative: .*(finite_volume|spectral)" \
    "$c"
expect_bad "spectral Cahn-Hilliard particles" \
    "^upscale: command line: numerics\.particle_discretisation\.positive: spectral is for Fickian particles" \
    "$PBA" --set numerics.particle_discretisation.positive=spectral
expect_bad "spectral particle with one node" \
    "^upscale: command line: numerics\.shells\.positive: .*" \
    "$NEWMAN" --set numerics.particle_discretisation.positive=spectral --set numerics.shells.positive=1
expect_bad "spectral particle with 41 nodes" \
    "^upscale: command line: numerics\.shells\.negative: .*40" \
    "$NEWMAN" --set numerics.particle_discretisation.negative=spectral --set numerics.shells.negative=41
expect_bad "spectral particles in a half cell's missing negative electrode" \
    "^upscale: command line: numerics\.particle_discretisation\.negative: the cell has no negative particles" \
    "$SRC/tests/cases/half_cell_licoo2.yaml" --set numerics.particle_discretisation.negative=spectral
expect_bad "electrode-wide activation energy with per-phase diffusivities" \
    "^upscale: command line: positive\.diffusivity_activation_energy: applies to mobility: darken" \
    "$PBA" --set "positive.diffusivity_activation_energy=30 kJ/mol"
expect_bad "negative per-phase activation energy" \
    "^upscale: command line: positive\.phase_diffusivity_high_activation_energy: " \
    "$PBA" --set "positive.phase_diffusivity_high_activation_energy=-1 kJ/mol"

# ---- 12c. tabulated material (ocp: mu_table FILE, include/upscale/mu_table.h) -------------
# mu_case NAME: $TMP/NAME/case.yaml, the MnFePBA cell with `ocp: mu_table mat.yaml`, and beside
# it a valid mat.yaml with two excess tables (300 and 500 K; a regular solution with a gap at
# 400 K) for the caller to break.  Prints the directory.
mu_case() {
    local dir=$TMP/$1
    mkdir -p "$dir"
    printf 'include: %s\npositive:\n  ocp: mu_table mat.yaml\n' "$PBA" >"$dir/case.yaml"
    cat >"$dir/mat.yaml" <<'EOF'
material: test
sites_per_formula_unit: 2
site_density: 4e27 m^-3
reference_energy: -3.34 eV
ideal_sites: true
tables:
  - {temperature: 300 K, file: mu_300K.csv}
  - {temperature: 500 K, file: mu_500K.csv}
EOF
    for T in 300 500; do
        printf 'x [1],excess mu [eV]\n0,0.2\n0.5,0.1\n1,0\n1.5,-0.1\n2,-0.2\n' >"$dir/mu_${T}K.csv"
    done
    echo "$dir"
}
# the unbroken file and the bundled one are valid (600 s of the charge; the test material's
# OCV, 5.7 V, is above the case's 4.5 V cut-off, and a run where no step ran is not a success)
for material in "$(mu_case mu_good)/mat.yaml" "$SRC/params/mnfepba_mu_tables/mnfepba.yaml"; do
    "$UPSCALE" run "$PBA" -o "$TMP/mu_good.h5" -q --set "positive.ocp=mu_table $material" \
        --set protocol.0.duration=600s --set protocol.0.voltage_cutoff=7V \
        >/dev/null 2>"$TMP/mu_good.err"
    status=$?
    if [ "$status" -eq 0 ] && [ -f "$TMP/mu_good.h5" ]; then
        pass "valid tabulated material $material runs"
    else
        fail "valid tabulated material $material: exit status $status, stderr: $(head -c 400 "$TMP/mu_good.err")"
    fi
    rm -f "$TMP/mu_good.h5"
done

d=$(mu_case mu_nan)
sed -i 's/^1,0$/1,nan/' "$d/mu_500K.csv"
expect_bad "mu_table: a non-finite mu_h value" \
    "^upscale: .*mu_nan/case\.yaml:3: positive\.ocp: .*mu_nan/mat\.yaml:8: tables\.1\.file: .*mu_500K\.csv:4: expected finite numbers" \
    "$d/case.yaml"

d=$(mu_case mu_order)
printf 'x [1],excess mu [eV]\n0,0.2\n1,0\n0.5,0.1\n1.5,-0.1\n2,-0.2\n' >"$d/mu_300K.csv"
expect_bad "mu_table: x not strictly increasing" \
    "^upscale: .*mu_order/case\.yaml:3: positive\.ocp: .*mu_order/mat\.yaml:7: tables\.0\.file: .*mu_300K\.csv:4: expected rows in strictly increasing x" \
    "$d/case.yaml"

d=$(mu_case mu_repeat)
printf 'x [1],excess mu [eV]\n0,0.2\n0.5,0.1\n0.5,0.1\n1,0\n2,-0.2\n' >"$d/mu_300K.csv"
expect_bad "mu_table: x repeated" \
    "^upscale: .*mu_repeat/case\.yaml:3: positive\.ocp: .*mu_repeat/mat\.yaml:7: tables\.0\.file: .*mu_300K\.csv:4: expected rows in strictly increasing x" \
    "$d/case.yaml"

d=$(mu_case mu_range)
printf 'x [1],excess mu [eV]\n0,0.2\n1,0\n2,-0.2\n2.5,-0.3\n' >"$d/mu_500K.csv"
expect_bad "mu_table: x outside [0, n]" \
    "^upscale: .*mu_range/case\.yaml:3: positive\.ocp: .*mu_range/mat\.yaml:8: tables\.1\.file: .*mu_500K\.csv: x runs 0 \.\. 2\.5, expected within \[0, 2\]" \
    "$d/case.yaml"

d=$(mu_case mu_same_T)
sed -i 's/temperature: 500 K/temperature: 300 K/' "$d/mat.yaml"
expect_bad "mu_table: temperatures not distinct" \
    "^upscale: .*mu_same_T/case\.yaml:3: positive\.ocp: .*mu_same_T/mat\.yaml:8: tables\.1\.temperature: expected a temperature above the 300 K of tables\.0" \
    "$d/case.yaml"

d=$(mu_case mu_hot)
expect_bad "mu_table: cell temperature outside the tables" \
    "^upscale: .*mu_hot/case\.yaml:3: positive\.ocp: cell\.temperature 800 K is outside the material's range 300 K \.\. 500 K \(set positive\.extrapolate_temperature: true" \
    "$d/case.yaml" --set cell.temperature=800K

# one table: used at its own temperature (the cell's 400 K), refused at another
d=$(mu_case mu_one_T)
sed -i -e '/500 K/d' -e 's/temperature: 300 K/temperature: 400 K/' "$d/mat.yaml"
"$UPSCALE" run "$d/case.yaml" -o "$TMP/mu_one_T.h5" -q --set protocol.0.duration=600s \
    --set protocol.0.voltage_cutoff=7V \
    >/dev/null 2>"$TMP/mu_one_T.err"
status=$?
if [ "$status" -eq 0 ]; then
    pass "one table at the cell temperature runs"
else
    fail "one table at the cell temperature: exit status $status, stderr: $(head -c 400 "$TMP/mu_one_T.err")"
fi
expect_bad "mu_table: one table at another temperature" \
    "^upscale: .*mu_one_T/case\.yaml:3: positive\.ocp: cell\.temperature 450 K is not the material's one temperature 400 K \(set positive\.extrapolate_temperature: true" \
    "$d/case.yaml" --set cell.temperature=450K

for key in reference_energy site_density; do
    d=$(mu_case "mu_no_$key")
    sed -i "/^$key:/d" "$d/mat.yaml"
    expect_bad "mu_table: missing $key" \
        "^upscale: .*mu_no_$key/case\.yaml:3: positive\.ocp: .*mu_no_$key/mat\.yaml: $key: missing key" \
        "$d/case.yaml"
done

d=$(mu_case mu_typo)
sed -i 's/^ideal_sites:/ideal_site:/' "$d/mat.yaml"
expect_bad "mu_table: unknown key in the material file" \
    "^upscale: .*mu_typo/case\.yaml:3: positive\.ocp: .*mu_typo/mat\.yaml:5: ideal_site: unknown key" \
    "$d/case.yaml"

# ---- 13. solver failure: partial results, status "incomplete", exit status 3 --------------
# Mid-run: a first discharge step that runs for 10 minutes, then a constant-voltage step at
# 9 V, which has no consistent state; the first step's results must be in the file.  At the
# start: the same constant-voltage step as the first step.  (A current that is merely too
# large is not a failure: the current rises over 1 s and the voltage cut-off ends the step;
# nor is a particle that cannot take the current, D_s = 1e-30 m^2/s: its surface fills and
# the step ends at that named limit.)
solver_failure() {
    local tag=$1 name=$2
    shift 2
    local out=$TMP/fail_$tag.h5 err=$TMP/fail_$tag.err
    "$UPSCALE" run "${CASE_FILE:-$NEWMAN}" -o "$out" -q "$@" >/dev/null 2>"$err"
    local status=$?
    local msg
    msg=$(head -c 600 "$err" | tr '\n' '|')
    if [ "$status" -eq 3 ]; then
        pass "solver failure ($name): exit status 3"
    else
        fail "solver failure ($name): exit status $status, expected 3 (stderr: $msg)"
    fi
    if [ "$(wc -l <"$err")" -ge 1 ] && grep -Eq '^upscale: .*(solver|fail)' "$err"; then
        pass "solver failure ($name): message on stderr: $(head -n 1 "$err")"
    else
        fail "solver failure ($name): no clear message on stderr (got '$msg')"
    fi
    # The message keeps the name of the failing SUNDIALS call and its flag, as built by
    # upscale_error_sundials ("IDASolve failed: IDA_... (flag N)").
    if grep -Eq '(IDASolve|IDACalcIC)[^:]* failed: IDA_[A-Z_]+ \(flag -?[0-9]+\)' "$err"; then
        pass "solver failure ($name): message names the failing call and its flag"
    else
        fail "solver failure ($name): message does not name the failing SUNDIALS call and flag (got '$msg')"
    fi
    if [ -f "$out" ] && ! compgen -G "$out.tmp*" >/dev/null; then
        pass "solver failure ($name): output file exists"
    else
        fail "solver failure ($name): output file missing"
        return
    fi
    local report
    report=$("$PY" - "$out" <<'EOF'
import sys
import h5py
with h5py.File(sys.argv[1], "r") as f:
    s = f.attrs["status"]
    s = s.decode() if isinstance(s, bytes) else str(s)
    print(s.replace("\n", " "))
    print(len(f["/timeseries/time"]))
EOF
    ) || { fail "solver failure ($name): cannot read '$out' with h5py"; return; }
    local st n
    st=$(echo "$report" | sed -n 1p)
    n=$(echo "$report" | sed -n 2p)
    if [[ "$st" == incomplete* ]]; then
        pass "solver failure ($name): status '$st'"
    else
        fail "solver failure ($name): status '$st', expected 'incomplete...'"
    fi
    if [ "$tag" = midrun ] && [ "${n:-0}" -lt 10 ]; then
        fail "solver failure ($name): only $n rows, expected the first step's results"
    fi
    if [ "${n:-0}" -gt 0 ]; then
        pass "solver failure ($name): /timeseries/time has $n rows"
    else
        fail "solver failure ($name): /timeseries/time is empty"
    fi
}
solver_failure midrun "mid-run, second step CV at 9 V" --set protocol.0.duration=10min \
    --set protocol.1.mode=cv --set protocol.1.voltage=9V --set protocol.1.current_cutoff=1A/m^2
cat >"$TMP/cv_start.yaml" <<EOF
name: cv_start
include: $PARAMS
protocol:
  - mode: cv
    voltage: 9 V
    current_cutoff: 1 A/m^2
numerics:
  cells: {negative: 4, separator: 3, positive: 4}
  shells: {negative: 4, positive: 4}
EOF
CASE_FILE=$TMP/cv_start.yaml solver_failure start "at the start, CV at 9 V"

echo "$failures failure(s)"
exit "$failures"

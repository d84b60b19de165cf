#!/usr/bin/env bash
# Files lost or clobbered, hangs and runaway inputs (issue 12), through the command line.
#
#   - output paths are checked before the solve: a missing directory, the case itself (also
#     through a hard or symbolic link), an included file, a table, a device, a FIFO, a
#     directory and a read-only file (without --force) give exit status 4, one line naming
#     the path, and leave every file as it was; the temporary is a new unique file, so a
#     link planted at the old fixed name PATH.tmp is never written through;
#   - inputs that are not regular files (a FIFO, /dev/zero), larger than 1 GB or with a line
#     longer than 1 MiB give exit status 2 and one line, at once (every run here is bounded
#     by `timeout`: a hang shows as status 124);
#   - a rest of 1e300 s, numerics.max_step 1e-9 s and output.snapshot_interval 1e-6 s are
#     refused with exit status 2; 200000 unknown keys are reported, not scanned for minutes.
#
# usage: test_files.sh PATH/TO/upscale   (run from the source root)
# One line per check ("PASS: ..." / "FAIL: ..."); exit status the number of failed checks.

set -u

UPSCALE=${1:?usage: test_files.sh PATH/TO/upscale}
UPSCALE=$(cd "$(dirname "$UPSCALE")" && pwd)/$(basename "$UPSCALE") # the checks run in $TMP
SRC=${UPSCALE_SOURCE_DIR:-$(pwd)}
SRC=$(cd "$SRC" && pwd)
PARAMS=$SRC/params/doyle1996_licoo2_graphite.yaml
PBA=$SRC/cases/pba_hc_charge_0.1C.yaml

TMP=$(mktemp -d "${TMPDIR:-/tmp}/upscale_files.XXXXXX") || exit 1
trap 'chmod -R u+w "$TMP"; rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# A short valid case with a table, in $TMP/case.yaml (line 3: the table).
cat >D.csv <<'EOF'
Concentration [mol/m^3],Diffusivity [m^2/s]
0,1e-13
51217.93,1e-13
EOF
cat >case.yaml <<EOF
name: files
include: $PARAMS
positive: {diffusivity: table D.csv}
protocol:
  - mode: discharge
    current: 24 A/m^2
    voltage_cutoff: 3.0 V
numerics:
  cells: {negative: 4, separator: 3, positive: 4}
  shells: {negative: 4, positive: 4}
EOF
sum_case=$(cksum <case.yaml)

# expect STATUS NAME PATTERN CMD...: exit status STATUS within 60 s, exactly one line on
# stderr matching PATTERN.
expect() {
    local want=$1 name=$2 pattern=$3
    shift 3
    timeout 60 "$@" >out.txt 2>err.txt </dev/null
    local status=$? msg
    msg=$(head -c 400 err.txt | tr '\n' '|')
    if [ "$status" -eq "$want" ]; then
        pass "$name: exit status $want"
    else
        fail "$name: exit status $status, expected $want (stderr: $msg)"
    fi
    if [ "$(wc -l <err.txt)" -eq 1 ] && grep -Eq -- "$pattern" err.txt; then
        pass "$name: one line matching /$pattern/"
    else
        fail "$name: stderr '$msg' is not one line matching /$pattern/"
    fi
}

# No temporary (NAME.tmp.XXXXXX) left in the directory.
no_temporaries() {
    if ls -a "${2:-.}" | grep -q '\.tmp\.'; then
        fail "$1: temporary left: $(ls -a "${2:-.}" | grep '\.tmp\.' | tr '\n' ' ')"
    else
        pass "$1: no temporary left"
    fi
}

# ---- 1. output paths ------------------------------------------------------------------
"$UPSCALE" run case.yaml -o good.h5 -q >/dev/null 2>err.txt
[ $? -eq 0 ] && [ -f good.h5 ] && pass "the valid case runs" ||
    fail "the valid case: $(head -c 300 err.txt)"

echo "keep me" >victim.txt
ln -s victim.txt planted.h5.tmp
"$UPSCALE" run case.yaml -o planted.h5 -q >/dev/null 2>err.txt
if [ $? -eq 0 ] && [ "$(cat victim.txt)" = "keep me" ] && [ -f planted.h5 ] && [ ! -L planted.h5 ]; then
    pass "a link planted at PATH.tmp is not written through; PATH is a new regular file"
else
    fail "planted link: victim now '$(head -c 40 victim.txt)', $(ls -l planted.h5 2>&1)"
fi
no_temporaries "planted link"

expect 4 "-o the case itself" "^upscale: cannot write 'case\.yaml': it is an input of this run" \
    "$UPSCALE" run case.yaml -o case.yaml -q
ln case.yaml hard.h5
expect 4 "-o a hard link to the case" "^upscale: cannot write 'hard\.h5': it is an input" \
    "$UPSCALE" run case.yaml -o hard.h5 -q
ln -s "$PARAMS" params_link.h5
expect 4 "-o a link to the included file" "^upscale: cannot write 'params_link\.h5': it is an input" \
    "$UPSCALE" run case.yaml -o params_link.h5 -q
expect 4 "-o the table" "^upscale: cannot write 'D\.csv': it is an input" \
    "$UPSCALE" run case.yaml -o D.csv -q
[ "$(cksum <case.yaml)" = "$sum_case" ] && [ -L params_link.h5 ] && [ "$(wc -l <D.csv)" -eq 3 ] &&
    pass "the inputs are unchanged" || fail "an input was changed"

expect 4 "-o /dev/null" "^upscale: cannot write '/dev/null': it is a character device" \
    "$UPSCALE" run case.yaml -o /dev/null -q
[ -c /dev/null ] && pass "/dev/null is still a device" || fail "/dev/null was replaced"
mkfifo fifo.h5
expect 4 "-o a FIFO" "^upscale: cannot write 'fifo\.h5': it is a FIFO" \
    "$UPSCALE" run case.yaml -o fifo.h5 -q
[ -p fifo.h5 ] && pass "the FIFO is still a FIFO" || fail "the FIFO was replaced"
mkdir d.h5
expect 4 "-o a directory" "^upscale: cannot write 'd\.h5': it is a directory" \
    "$UPSCALE" run case.yaml -o d.h5 -q
no_temporaries "-o a directory"

# A missing directory is found before the solve: the 0.1C charge of the MnFePBA cell with
# steps of at most 0.05 s (~720000 steps, many minutes) must end inside the 60 s of expect().
expect 4 "-o nodir/out.h5 before the solve" "^upscale: cannot write 'nodir/out\.h5': directory 'nodir'" \
    "$UPSCALE" run "$PBA" -o nodir/out.h5 -q --set "numerics.max_step=0.05 s"
if [ ! -e nodir ]; then pass "no directory created"; else fail "nodir was created"; fi

cp good.h5 ro.h5
chmod 0444 ro.h5
sum_ro=$(cksum <ro.h5)
expect 4 "-o a read-only file" "^upscale: cannot write 'ro\.h5': it is read-only; give --force" \
    "$UPSCALE" run case.yaml -o ro.h5 -q --set protocol.0.voltage_cutoff=3.5V
[ "$(cksum <ro.h5)" = "$sum_ro" ] && pass "the read-only file is unchanged" ||
    fail "the read-only file was changed"
"$UPSCALE" run case.yaml -o ro.h5 -q --force --set protocol.0.voltage_cutoff=3.5V 2>err.txt
[ $? -eq 0 ] && [ "$(cksum <ro.h5)" != "$sum_ro" ] && pass "--force replaces a read-only file" ||
    fail "--force: $(head -c 300 err.txt)"

expect 4 "rates -o the case" "^upscale: cannot write 'case\.yaml': it is an input" \
    "$UPSCALE" rates case.yaml --crates 1,2 -o case.yaml -q
expect 4 "rates -o nodir/r.h5" "^upscale: cannot write 'nodir/r\.h5': directory 'nodir'" \
    "$UPSCALE" rates case.yaml --crates 1,2 -o nodir/r.h5 -q
printf 'base: case.yaml\ngrid:\n  protocol.0.current: [20 A/m^2, 24 A/m^2]\n' >sweep.yaml
expect 4 "sweep -o the sweep file" "^upscale: cannot write 'sweep\.yaml': it is an input" \
    "$UPSCALE" sweep sweep.yaml -o sweep.yaml -q
if [ ! -e sweep.yaml.lock ]; then pass "sweep: no lock file left"; else fail "sweep.yaml.lock left"; fi
no_temporaries "after all refusals"

# ---- 2. inputs that are not regular files or too large ---------------------------------
mkfifo fifo.yaml fifo.csv
expect 2 "a FIFO as the case" "^upscale: fifo\.yaml: cannot read: a FIFO, not a regular file" \
    "$UPSCALE" run fifo.yaml -o x.h5 -q
expect 2 "a FIFO as a table" "^upscale: .*positive\.diffusivity: .*fifo\.csv: cannot read: a FIFO" \
    "$UPSCALE" run case.yaml -o x.h5 -q --set "positive.diffusivity=table fifo.csv"
expect 2 "/dev/zero as a table" "^upscale: .*positive\.diffusivity: .*/dev/zero: cannot read: a character device" \
    "$UPSCALE" run case.yaml -o x.h5 -q --set "positive.diffusivity=table /dev/zero"
expect 2 "/dev/zero as an MSD file" "^upscale: /dev/zero: cannot read: a character device" \
    "$UPSCALE" import msd /dev/zero
expect 2 "a FIFO as an MSD file" "^upscale: fifo\.csv: cannot read: a FIFO" \
    "$UPSCALE" import msd fifo.csv
expect 4 "export-xdmf of a FIFO" "^upscale: cannot open 'fifo\.csv': not a regular file" \
    "$UPSCALE" export-xdmf fifo.csv
truncate -s 1100M big.csv
expect 2 "a 1.1 GB table" "^upscale: .*big\.csv: cannot read: 1\.15 GB, larger than the 1\.07 GB" \
    "$UPSCALE" run case.yaml -o x.h5 -q --set "positive.diffusivity=table big.csv"
rm -f big.csv
{ printf 'Concentration [mol/m^3],Diffusivity [m^2/s]\n0,'; head -c 2000000 /dev/zero | tr '\0' '1'; printf '\n'; } >long.csv
expect 2 "a 2 MB line in a table" "^upscale: .*long\.csv:2: line longer than 1048576 bytes" \
    "$UPSCALE" run case.yaml -o x.h5 -q --set "positive.diffusivity=table long.csv"
if [ ! -e x.h5 ]; then pass "no output file from bad inputs"; else fail "x.h5 written"; fi

# ---- 3. runaway durations, steps, snapshots, keys --------------------------------------
expect 2 "rest of 1e300 s" "^upscale: command line: protocol\.0\.duration: expected a number in \(0, 1e\+10\] s" \
    "$UPSCALE" run case.yaml -o x.h5 -q --set protocol.0.mode=rest --set "protocol.0.duration=1e300 s"
expect 2 "numerics.max_step 1e-9 s" "^upscale: command line: numerics\.max_step: 1e-09 s needs more than 1e\+07 steps" \
    "$UPSCALE" run case.yaml -o x.h5 -q --set "numerics.max_step=1e-9 s"
expect 2 "output.snapshot_interval 1e-6 s" "^upscale: command line: output\.snapshot_interval: 1e-06 s gives .* snapshots" \
    "$UPSCALE" run case.yaml -o x.h5 -q --set "output.snapshot_interval=1e-6 s"
sed -e 's/mode: discharge/mode: rest/' -e 's/current: 24 A\/m^2/duration: 1e10 s/' -e '/voltage_cutoff/d' \
    case.yaml >rest.yaml
"$UPSCALE" run rest.yaml -o rest.h5 -q 2>err.txt
[ $? -eq 0 ] && pass "a rest of 1e10 s runs" || fail "a rest of 1e10 s: $(head -c 300 err.txt)"

# 200000 keys below one unknown key: the quadratic scan took ~42 s for 80000 keys.
{ cat case.yaml; echo "extra:"; awk 'BEGIN { for (i = 0; i < 200000; i++) printf "  k%d: %d\n", i, i }'; } >many.yaml
expect 2 "200000 unknown keys" "^upscale: many\.yaml:12: extra\.k0: unknown key" \
    "$UPSCALE" run many.yaml -o x.h5 -q

echo "$failures failure(s)"
exit "$failures"

#!/usr/bin/env bash
# The command line itself: `--help`/`-h` for every command and subcommand (exit status 0, the
# command's own usage on stdout), argument mistakes (exit status 2, exactly one line on stderr,
# nothing written), and arguments that once crashed the program (a command line longer than
# any fixed buffer, absurd repeat counts).
#
# usage: test_command_line.sh PATH/TO/upscale   (run from the source root)
# Prints one line per check ("PASS: ...", "FAIL: ...", "SKIP: ...") and exits with the number
# of failed checks.

set -u

UPSCALE=${1:?usage: test_command_line.sh PATH/TO/upscale}
SRC=${UPSCALE_SOURCE_DIR:-$(pwd)}
SRC=$(cd "$SRC" && pwd)
CASE=$SRC/tests/cases/half_cell_licoo2.yaml
NEWMAN=$SRC/cases/validation/newman_licoo2_graphite_1C.yaml

if [ ! -x "$UPSCALE" ] || [ ! -f "$CASE" ] || [ ! -f "$NEWMAN" ]; then
    echo "FAIL: needs the program '$UPSCALE' and the cases under '$SRC' (run from the source root)"
    exit 1
fi
UPSCALE=$(cd "$(dirname "$UPSCALE")" && pwd)/$(basename "$UPSCALE")

TMP=$(mktemp -d "${TMPDIR:-/tmp}/upscale_command_line.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# ---- 1. help: every command and subcommand, both spellings -------------------------------
# expect_help PATTERN ARGS...: exit status 0, nothing on stderr, stdout's first line matches
# PATTERN (the command's own usage, not the general one).
expect_help() {
    local pattern=$1
    shift
    "$UPSCALE" "$@" >"$TMP/help.out" 2>"$TMP/help.err"
    local status=$? first
    first=$(head -n 1 "$TMP/help.out")
    if [ "$status" -eq 0 ] && [ ! -s "$TMP/help.err" ] && [[ "$first" =~ $pattern ]] &&
        [ "$(wc -l <"$TMP/help.out")" -ge 3 ]; then
        pass "upscale $*: exit status 0, own usage ($first)"
    else
        fail "upscale $*: exit status $status, first line '$first', stderr '$(head -c 200 "$TMP/help.err")'"
    fi
}
for h in --help -h; do
    expect_help '^usage: upscale run CASE' run "$h"
    expect_help '^usage: upscale bench CASE' bench "$h"
    expect_help '^usage: upscale rates CASE' rates "$h"
    expect_help '^usage: .*upscale sweep SWEEP_FILE' sweep "$h"
    expect_help '^usage: upscale export-xdmf OUT\.h5' export-xdmf "$h"
    expect_help '^usage: upscale formulas' formulas "$h"
    expect_help '^usage: upscale import msd' import "$h"
    expect_help '^usage: upscale gcmc-lattice' gcmc-lattice "$h"
    expect_help '^usage: upscale run CASE' run "$CASE" "$h"
done
expect_help '^usage: upscale run CASE' --help
expect_help '^usage: upscale run CASE' -h
# The subcommands of the bridge parse their own options (src/bridge): walked
# once `--help` works for them.
for sub in msd excess gcmc; do
    if "$UPSCALE" import "$sub" --help >/dev/null 2>&1; then
        for h in --help -h; do
            expect_help "^usage: upscale import $sub" import "$sub" "$h"
        done
    else
        echo "SKIP: upscale import $sub --help (not implemented yet)"
    fi
done

# ---- 2. argument mistakes: exit status 2, one line, no output file ------------------------
# expect_bad NAME PATTERN ARGS...: exit status 2, exactly one line on stderr matching the
# extended regular expression PATTERN, and no file written in the working directory.
n=0
expect_bad() {
    local name=$1 pattern=$2
    shift 2
    n=$((n + 1))
    mkdir -p "$TMP/w$n"
    (cd "$TMP/w$n" && "$UPSCALE" "$@" >stdout.txt 2>stderr.txt)
    local status=$? err=$TMP/w$n/stderr.txt msg
    msg=$(head -c 400 "$err" | tr '\n' '|')
    if [ "$status" -eq 2 ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -Eq -- "$pattern" "$err"; then
        pass "$name: exit status 2, one line: $(head -n 1 "$err")"
    else
        fail "$name: exit status $status, stderr '$msg', expected exit 2 and one line /$pattern/"
    fi
    local left
    left=$(cd "$TMP/w$n" && ls -A | grep -v -x -e stdout.txt -e stderr.txt -e "${KEEP:-}")
    if [ -z "$left" ]; then
        pass "$name: nothing written"
    else
        fail "$name: left behind: $(echo "$left" | tr '\n' ' ')"
    fi
}
"$UPSCALE" >/dev/null 2>noargs.err
status=$?
if [ "$status" -eq 2 ] && grep -q "^usage: upscale run CASE" noargs.err; then
    pass "no arguments: exit status 2, the usage on stderr"
else
    fail "no arguments: exit status $status, stderr '$(head -c 200 noargs.err)'"
fi
expect_bad "unknown command" "^upscale: unknown command 'foo'" foo
expect_bad "unknown command with a case" "^upscale: unknown command 'foo'" foo "$CASE"
expect_bad "unknown top-level option" "^upscale: unknown option '--frobnicate'" --frobnicate
expect_bad "import without a subcommand" "^upscale: import needs a subcommand: msd, excess or gcmc" import
expect_bad "import with an unknown subcommand" "^upscale: import: unknown subcommand 'foo'" import foo
expect_bad "run without a case" "^upscale: run needs a CASE file" run
expect_bad "--set without a value" "^upscale: run: option --set needs a value" run "$CASE" --set
expect_bad "-o without a value" "^upscale: run: option -o needs a value" run "$CASE" -o
expect_bad "--crates without a value" "^upscale: rates: option --crates needs a value" rates "$CASE" --crates
expect_bad "--repeat without a value" "^upscale: bench: option --repeat needs a value" bench "$CASE" --repeat
expect_bad "unknown option of run" "^upscale: run: unknown option '--bogus'" run "$CASE" --bogus
expect_bad "an option of another command" "^upscale: run: unknown option '--crates'" run "$CASE" --crates 1
expect_bad "two case files" "^upscale: run: unexpected argument" run "$CASE" "$CASE"
expect_bad "formulas with an argument" "^upscale: formulas: unexpected argument 'x'" formulas x
expect_bad "export-xdmf without a file" "^upscale: export-xdmf: expected one argument" export-xdmf
expect_bad "sweep -o without a value" "^upscale sweep: option -o needs a value" sweep x.yaml -o
expect_bad "sweep without a file" "^upscale sweep: needs a SWEEP_FILE" sweep
expect_bad "missing case file (bad input, docs/params.md 5.1)" \
    "^upscale: no_such_case\.yaml: cannot open" run no_such_case.yaml -o out.h5
for r in 0 -5 abc 1.5 99999999999 100001 ""; do
    expect_bad "bench --repeat '$r'" "^upscale: bench: --repeat '$r': expected an integer from 1 to 100000" \
        bench "$CASE" --repeat "$r"
done
expect_bad "--crates ''" "^upscale: --crates '': expected a comma-separated list" rates "$CASE" --crates ""
expect_bad "--crates with a zero" "^upscale: --crates 1,0: expected a comma-separated list" rates "$CASE" --crates 1,0
expect_bad "gcmc-lattice --L too large" "--L must be in \[4, 4096\], got 1000000" \
    gcmc-lattice --L 1000000 --out o
expect_bad "gcmc-lattice --windows too many" "--windows must be in \[1, 100000\], got 200000" \
    gcmc-lattice --windows 200000 --out o
expect_bad "import gcmc --max-degree too large" "--max-degree must be in \[1, 60\], got 100000" \
    import gcmc "$SRC/params/mnfepba_gcmc/manifest.csv" --max-degree 100000

# A sweep value given as a nested list, or a list where one value belongs.
printf 'base: %s\ngrid:\n  positive.thickness: [[150 um, 160 um]]\n' "$NEWMAN" >nested.yaml
expect_bad "sweep: a grid value that is a list" \
    "^upscale: .*nested\.yaml:3: grid\.positive\.thickness: value 0 is itself a list" sweep "$TMP/nested.yaml"
printf 'base: %s\nlist:\n  - {positive.thickness: [150 um]}\n' "$NEWMAN" >pointlist.yaml
expect_bad "sweep: a list point's value that is a list" \
    "^upscale: .*pointlist\.yaml:3: list\.0\.positive\.thickness: expected a single value, got a list" \
    sweep "$TMP/pointlist.yaml"

# ---- 3. arguments that crashed: the stored command line has no length limit ---------------
long=$(head -c 9000 /dev/zero | tr '\0' A)
"$UPSCALE" run "$CASE" -o long.h5 -q --set "name=$long" --set "name=$(head -c 100 /dev/zero | tr '\0' B)" \
    >/dev/null 2>long.err
status=$?
if [ "$status" -eq 0 ] && [ -f long.h5 ]; then
    pass "9 KB --set value: exit status 0"
else
    fail "9 KB --set value: exit status $status ($(head -c 200 long.err))"
fi
# the whole command line is recorded, the 9000 A's and the last --set included
stored=$(/usr/bin/python3 -c '
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    c = f.attrs["command_line"]
    c = c.decode() if isinstance(c, bytes) else str(c)
    print(c.count("A"), c.count("B"), len(c))' long.h5 2>&1)
if [[ "$stored" =~ ^9000\ 100\ ([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -gt 9100 ]; then
    pass "the 9 KB command line is stored whole (A's, B's, length: $stored)"
else
    fail "stored command line: '$stored', expected 9000 A's and 100 B's"
fi
args=()
for i in $(seq 40); do args+=(--set "name=$(head -c 1000 /dev/zero | tr '\0' x)$i"); done
"$UPSCALE" rates "$CASE" --crates 1 -o rates.h5 -q "${args[@]}" >/dev/null 2>rates.err
status=$?
if [ "$status" -eq 0 ] && [ -f rates.h5 ]; then
    pass "rates with 40 --set of 1 KB: exit status 0"
else
    fail "rates with 40 --set of 1 KB: exit status $status ($(head -c 200 rates.err))"
fi
printf 'base: %s\nset:\n  numerics.rtol: 1e-3\ngrid:\n  protocol.0.c_rate: [1]\n' "$CASE" >s.yaml
"$UPSCALE" sweep "$TMP/s.yaml" -o "$TMP/s_$long.h5" -q >/dev/null 2>sweep.err
status=$?
# a file name this long is refused by the file system (exit 4), never a crash
if [ "$status" -eq 4 ] || [ "$status" -eq 0 ]; then
    pass "sweep with a 9 KB argument: exit status $status, no crash"
else
    fail "sweep with a 9 KB argument: exit status $status ($(head -c 200 sweep.err))"
fi

echo "$failures failure(s)"
exit "$failures"

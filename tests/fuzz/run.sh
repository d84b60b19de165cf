#!/usr/bin/env bash
# Run every libFuzzer harness of tests/fuzz for DURATION seconds each (default 60), one after
# the other.  Builds them first in build-fuzz (clang, ASan + UBSan, -Dfuzz=true).  Seed corpora
# are the repository's own files of each kind; the corpora grow in build-fuzz/corpus/NAME and
# anything found (crash, sanitizer report, leak, timeout, out-of-memory) is saved in
# build-fuzz/artifacts/NAME/.  The last line counts the findings; exit status 1 if any.
#
# usage: tests/fuzz/run.sh [DURATION] [NAME...]   NAME: case_yaml table_csv lammps_log avetime
#                                                        gcmc_manifest sweep_file
# Replay one finding: build-fuzz/tests/fuzz/fuzz_NAME build-fuzz/artifacts/NAME/crash-...
# UDUNITS-2 keeps about 6 KB reachable after every ut_free_system; the default unit system
# is therefore read once per process (src/io/units.c), which is what lets a reader run for
# hours under the rss limit.
set -uo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-60}
shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(case_yaml table_csv lammps_log avetime gcmc_manifest sweep_file)
dir=build-fuzz
if [ ! -d "$dir" ]; then
    CC=clang meson setup "$dir" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
        --buildtype=debugoptimized >/dev/null || exit 2
fi
targets=()
for n in "${names[@]}"; do targets+=("tests/fuzz/fuzz_$n"); done
ninja -C "$dir" "${targets[@]}" >/dev/null || exit 2

# seed NAME FILE...: copy the repository's files into the corpus (once).
seed() {
    local c=$dir/corpus/$1
    shift
    mkdir -p "$c"
    for f in "$@"; do [ -f "$f" ] && cp -n "$f" "$c/seed_$(echo "$f" | tr '/' '_')"; done
}
seed case_yaml cases/*.yaml cases/validation/*.yaml tests/cases/*.yaml params/*.yaml \
    params/mnfepba_mu_tables/*.yaml
seed table_csv params/chayambuka2022/*.csv params/mnfepba_mu_tables/*.csv tests/data/pybamm_chayambuka2022/*.csv
seed lammps_log tests/data/lammps/*/log.lammps
seed avetime tests/data/lammps/msd_lj_liquid/thermo_avg_T*.dat \
    tests/data/lammps/gcmc_lj_T1.5/scan_up/N_series_mu-3.0.dat
seed gcmc_manifest params/mnfepba_gcmc/manifest.csv
seed sweep_file cases/sweep_radius_thickness.yaml

export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
# Leaks inside the dependencies (UDUNITS-2's lexer) are suppressed, ours are not.
export LSAN_OPTIONS=suppressions=$(pwd)/tests/fuzz/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
found=0
for n in "${names[@]}"; do
    art=$dir/artifacts/$n
    mkdir -p "$art"
    before=$(ls "$art" | wc -l)
    log=$dir/fuzz_$n.log
    "$dir/tests/fuzz/fuzz_$n" -max_total_time="$duration" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$art/" "$dir/corpus/$n" >"$log" 2>&1
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    new=$(($(ls "$art" | wc -l) - before))
    found=$((found + new))
    echo "$n: ${duration} s, ${runs:-?} inputs, ${cov:-cov: ?}, corpus $(ls "$dir/corpus/$n" | wc -l), findings $new (log $log)"
done
echo "$found finding(s)"
[ "$found" -eq 0 ]

#!/usr/bin/env bash
# Whole-process wall time of `upscale run` (start-up, parameters, solve, HDF5 output):
# median of N runs.  Times come from bash's own clock ($EPOCHREALTIME, no process of its own:
# `date` would add its fork and exec, 1-3 ms, to every run).
# usage: process_time.sh UPSCALE CASE [N] [--set key=value ...]
set -euo pipefail
exe=$1; case=$2; n=${3:-30}; shift 3 || shift $#
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
times=()
for i in $(seq "$n"); do
  t0=${EPOCHREALTIME/./}
  "$exe" run "$case" -o "$out/r.h5" -q "$@"
  t1=${EPOCHREALTIME/./}
  times+=($((t1 - t0)))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "case          $case $*"
echo "runs          $n"
echo "median wall   $(awk "BEGIN{printf \"%.2f\", ${sorted[$((n / 2))]}/1000}") ms (whole process)"
echo "min wall      $(awk "BEGIN{printf \"%.2f\", ${sorted[0]}/1000}") ms"
"$exe" run "$case" -o "$out/r.h5" -q "$@"
echo "startup only  (upscale --version, median of $n):"
ts=()
for i in $(seq "$n"); do t0=${EPOCHREALTIME/./}; "$exe" --version >/dev/null; t1=${EPOCHREALTIME/./}; ts+=($((t1 - t0))); done
s=($(printf '%s\n' "${ts[@]}" | sort -n)); echo "              $(awk "BEGIN{printf \"%.2f\", ${s[$((n / 2))]}/1000}") ms"

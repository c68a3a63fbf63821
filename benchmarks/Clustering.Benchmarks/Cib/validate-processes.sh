#!/usr/bin/env bash
# Times whole processes validating one CIB: the Native-AOT `clusterctl validate` against
# `xmllint --noout --relaxng`, run alternately (so both see the same machine load), N runs each.
# Prints the load average, per tool the median and minimum wall time and the median CPU time (user + sys), then the
# ratios. Median CPU is the figure that moves least with other work on the machine.
#
#   benchmarks/Clustering.Benchmarks/Cib/validate-processes.sh CIB.xml [RUNS] [SCHEMA]
#
# CLUSTERCTL names the binary (default artifacts/native/clusterctl, published by
#   dotnet publish src/Clustering.Tool -c Release -r linux-x64 -p:PublishAot=true -o artifacts/native);
# SCHEMA defaults to pacemaker-1.2 in SCHEMA_DIR (default /usr/share/pacemaker). The 1 MB CIB of the README is the one
# CibValidationBenchmarks generates; CLUSTERING_BENCH_KEEP_CIB=/tmp/cib-1mb.xml makes that benchmark keep a copy.
set -euo pipefail
cd "$(dirname "$0")/../../.."

cib=${1:?usage: $0 CIB.xml [RUNS] [SCHEMA]}
runs=${2:-30}
schema=${3:-pacemaker-1.2}
dir=${SCHEMA_DIR:-/usr/share/pacemaker}
clusterctl=${CLUSTERCTL:-artifacts/native/clusterctl}
[ -x "$clusterctl" ] || { echo "$clusterctl is missing: publish the native clusterctl first (see the header)" >&2; exit 2; }
command -v xmllint >/dev/null || { echo "xmllint is missing (apt-get install libxml2-utils)" >&2; exit 2; }

# One timed run: prints "wall_ms cpu_ms"; a non-zero exit (an invalid CIB) stops the script.
timed() {
  local TIMEFORMAT='%3R %3U %3S' line
  line=$( { time "$@" >/dev/null 2>&1; } 2>&1 ) || { echo "failed: $*" >&2; exit 1; }
  awk '{ printf "%.1f %.1f\n", $1 * 1000, ($2 + $3) * 1000 }' <<<"$line"
}

ours=$(mktemp); theirs=$(mktemp)
trap 'rm -f "$ours" "$theirs"' EXIT
# One warm-up each (page cache, schema files), not counted.
timed "$clusterctl" validate --schema "$schema" --schema-dir "$dir" "$cib" >/dev/null
timed xmllint --noout --relaxng "$dir/$schema.rng" "$cib" >/dev/null
for _ in $(seq "$runs"); do
  timed "$clusterctl" validate --schema "$schema" --schema-dir "$dir" "$cib" >>"$ours"
  timed xmllint --noout --relaxng "$dir/$schema.rng" "$cib" >>"$theirs"
done

# median and minimum of column $2 of file $1
stat() { sort -n -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f %.1f", m, v[1] }'; }
read -r ours_wall ours_wall_min <<<"$(stat "$ours" 1)"
read -r ours_cpu _ <<<"$(stat "$ours" 2)"
read -r xml_wall xml_wall_min <<<"$(stat "$theirs" 1)"
read -r xml_cpu _ <<<"$(stat "$theirs" 2)"

# The machine's load beside the figures: on a shared machine the ratio moves with it (xmllint more than clusterctl).
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %12s %12s %12s\n' "$(basename "$cib"), $runs runs" "median wall" "min wall" "median CPU"
printf '%-28s %9s ms %9s ms %9s ms\n' "clusterctl validate (AOT)" "$ours_wall" "$ours_wall_min" "$ours_cpu"
printf '%-28s %9s ms %9s ms %9s ms\n' "xmllint --relaxng" "$xml_wall" "$xml_wall_min" "$xml_cpu"
awk -v a="$xml_wall" -v b="$ours_wall" -v c="$xml_wall_min" -v d="$ours_wall_min" -v e="$xml_cpu" -v f="$ours_cpu" \
  'BEGIN { printf "clusterctl is %.1fx faster (median wall), %.1fx (min wall), %.1fx (median CPU)\n", a / b, c / d, e / f }'

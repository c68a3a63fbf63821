#!/usr/bin/env bash
# Measures real Corosync (udp transport, 3 nodes in network namespaces, our cpgbench.c over libcpg) and
# `clusterctl bench` (3 node processes on loopback, secauth on, 2 active rings) on the same work, in one go,
# and prints a side-by-side table. Needs root. See README.md.
#
# Environment: COUNT (messages per flood run, default 20000), SIZES (default "64 1024 8192"),
# LIGHT_COUNT (messages of the --rate 200 runs, default 600), CLUSTERCTL (a built clusterctl; default:
# build src/Clustering.Tool in Release), OURS_TRANSPORT (udp or udpu, default udp).
set -euo pipefail

COUNT=${COUNT:-20000}
SIZES=${SIZES:-"64 1024 8192"}
LIGHT_COUNT=${LIGHT_COUNT:-600}
LIGHT_RATE=200
OURS_TRANSPORT=${OURS_TRANSPORT:-udp}
NODES=3

if [ "$(id -u)" != 0 ]; then
  echo "run.sh: needs root (network namespaces, corosync)" >&2
  exit 2
fi

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

need_apt=()
command -v corosync >/dev/null || need_apt+=(corosync)
[ -f /usr/include/corosync/cpg.h ] || need_apt+=(libcpg-dev)
command -v gcc >/dev/null || need_apt+=(gcc)
command -v ip >/dev/null || need_apt+=(iproute2)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "run.sh: installing ${need_apt[*]}" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y "${need_apt[@]}" >&2
fi

ID=$$
WORK=$(mktemp -d /tmp/corosync-bench.XXXXXX)
BR="cbb$ID"
PIDS=()

cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  sleep 0.5
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  for i in $(seq 1 $NODES); do ip netns del "cb$ID-$i" 2>/dev/null; done
  ip link del "$BR" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "run.sh: $*" >&2; }

# --- our client of libcpg
gcc -O2 -Wall -Wextra -o "$WORK/cpgbench" "$HERE/cpgbench.c" -lcpg

# --- clusterctl
if [ -z "${CLUSTERCTL:-}" ]; then
  log "building clusterctl (Release)"
  dotnet build "$REPO/src/Clustering.Tool" -c Release -v q -nologo >&2
  CLUSTERCTL="$REPO/src/Clustering.Tool/bin/Release/net10.0/clusterctl"
fi

# --- network: one namespace per node on a bridge, 198.18.0.N/24 (RFC 2544 benchmarking range)
ip link add "$BR" type bridge mcast_snooping 0
ip link set "$BR" up
for i in $(seq 1 $NODES); do
  ns="cb$ID-$i"
  ip netns add "$ns"
  ip link add "cbv$ID-$i" type veth peer name eth0 netns "$ns"
  ip link set "cbv$ID-$i" master "$BR" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "198.18.0.$i/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add 224.0.0.0/4 dev eth0
done

# --- corosync: same totem settings as clusterctl bench's nodes (token 3000), udp, no crypto (3.x udp has none)
for i in $(seq 1 $NODES); do
  mkdir -p "$WORK/n$i"
  {
    cat <<CONF
totem {
  version: 2
  cluster_name: cbench$ID
  transport: udp
  token: 3000
  crypto_cipher: none
  crypto_hash: none
  interface {
    linknumber: 0
    bindnetaddr: 198.18.0.0
    mcastaddr: 239.192.77.1
    mcastport: 5405
  }
}
nodelist {
CONF
    for n in $(seq 1 $NODES); do
      printf '  node {\n    ring0_addr: 198.18.0.%s\n    nodeid: %s\n  }\n' "$n" "$n"
    done
    cat <<CONF
}
quorum {
  provider: corosync_votequorum
}
system {
  state_dir: $WORK/n$i
}
logging {
  to_stderr: no
  to_syslog: no
  to_logfile: yes
  logfile: $WORK/n$i/corosync.log
}
CONF
  } > "$WORK/n$i/corosync.conf"
  # A private /run per node: corosync takes a lock file there. IPC sockets are abstract, hence per namespace.
  ip netns exec "cb$ID-$i" unshare -m sh -c "mount -t tmpfs tmpfs /run && exec corosync -f -c $WORK/n$i/corosync.conf" \
    > "$WORK/n$i/stdout" 2>&1 &
  PIDS+=($!)
done

# $1 size, $2 count, $3 rate -> "msgs_per_s worst_p50_ms lost out_of_order"
corosync_run() {
  local size=$1 count=$2 rate=$3 out="$WORK/run-$1-$2-$3" pids=()
  mkdir -p "$out"
  for i in $(seq 2 $NODES); do
    ip netns exec "cb$ID-$i" "$WORK/cpgbench" -n $NODES -s "$size" -c "$count" -r "$rate" > "$out/$i" 2> "$out/$i.err" &
    pids+=($!)
  done
  ip netns exec "cb$ID-1" "$WORK/cpgbench" -S -n $NODES -s "$size" -c "$count" -r "$rate" > "$out/1" 2> "$out/1.err" &
  pids+=($!)
  local rc=0
  for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
  if [ $rc != 0 ]; then
    log "cpgbench failed (size $size, rate $rate):"; cat "$out"/*.err "$out"/[0-9] >&2
  fi
  cat "$out"/[0-9] | awk '
    /^RESULT/ {
      for (f = 2; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
      if (n == 0 || v["msgs_per_s"] < rate) rate = v["msgs_per_s"]
      if (v["p50_ms"] > p50) p50 = v["p50_ms"]
      lost += v["lost"]; ooo += v["out_of_order"]; n++
    }
    END { if (n == 0) print "0 0 -1 -1"; else printf "%s %s %d %d\n", rate, p50, lost, ooo }'
}

# $1 size, $2 count, $3 rate -> "msgs_per_s worst_p50_ms lost out_of_order"
ours_run() {
  local size=$1 count=$2 rate=$3 json
  json=$("$CLUSTERCTL" bench --nodes $NODES --size "$size" --count "$count" --rate "$rate" \
    --transport "$OURS_TRANSPORT" --rings 2 --secauth on --json 2> "$WORK/ours.err") || {
    log "clusterctl bench failed (size $size, rate $rate):"; cat "$WORK/ours.err" >&2; }
  [ -n "$json" ] || { echo "0 0 -1 -1"; return; }
  # The first msgs_per_s is the slowest member's; the largest p50_ms is the worst member's.
  local mps p50 lost ooo
  mps=$(grep -o '"msgs_per_s":[0-9.]*' <<<"$json" | head -1 | cut -d: -f2)
  p50=$(grep -o '"p50_ms":[0-9.]*' <<<"$json" | cut -d: -f2 | sort -g | tail -1)
  lost=$(grep -o '"lost":[0-9]*' <<<"$json" | head -1 | cut -d: -f2)
  ooo=$(grep -o '"out_of_order":[0-9]*' <<<"$json" | head -1 | cut -d: -f2)
  echo "$mps $p50 $lost $ooo"
}

declare -A C_MPS C_P50 O_MPS O_P50 BAD
log "corosync $(corosync -v | head -1 | grep -o "'[^']*'"), 3 nodes, udp, in namespaces cb$ID-1..$NODES"
for size in $SIZES; do
  read -r mps _ lost ooo < <(corosync_run "$size" "$COUNT" 0)
  C_MPS[$size]=$mps; [ "$lost$ooo" = "00" ] || BAD[$size]+=" corosync-flood:lost=$lost,ooo=$ooo"
  read -r _ p50 lost ooo < <(corosync_run "$size" "$LIGHT_COUNT" "$LIGHT_RATE")
  C_P50[$size]=$p50; [ "$lost$ooo" = "00" ] || BAD[$size]+=" corosync-light:lost=$lost,ooo=$ooo"
  log "corosync $size B: ${C_MPS[$size]} msgs/s, p50 at $LIGHT_RATE/s ${C_P50[$size]} ms"
done

# Corosync stops before ours runs: the two never share the CPU.
for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
PIDS=()

log "clusterctl bench, 3 node processes on loopback, $OURS_TRANSPORT, secauth on (aes256 + sha256), 2 active rings"
for size in $SIZES; do
  read -r mps _ lost ooo < <(ours_run "$size" "$COUNT" 0)
  O_MPS[$size]=$mps; [ "$lost$ooo" = "00" ] || BAD[$size]+=" ours-flood:lost=$lost,ooo=$ooo"
  read -r _ p50 lost ooo < <(ours_run "$size" "$LIGHT_COUNT" "$LIGHT_RATE")
  O_P50[$size]=$p50; [ "$lost$ooo" = "00" ] || BAD[$size]+=" ours-light:lost=$lost,ooo=$ooo"
  log "ours $size B: ${O_MPS[$size]} msgs/s, p50 at $LIGHT_RATE/s ${O_P50[$size]} ms"
done

echo
echo "3 nodes, 1 sender, $COUNT messages per flood run, $LIGHT_COUNT at $LIGHT_RATE msgs/s for latency; $(nproc) CPUs, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| size | Corosync 3.1.7 msgs/s | ours msgs/s | ours / Corosync | Corosync p50 @ $LIGHT_RATE/s | ours p50 @ $LIGHT_RATE/s |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
status=0
for size in $SIZES; do
  ratio=$(awk -v o="${O_MPS[$size]}" -v c="${C_MPS[$size]}" 'BEGIN { if (c > 0) printf "%.2fx", o / c; else print "n/a" }')
  printf '| %s B | %.0f | %.0f | %s | %.3f ms | %.3f ms |\n' "$size" "${C_MPS[$size]}" "${O_MPS[$size]}" "$ratio" "${C_P50[$size]}" "${O_P50[$size]}"
  if [ -n "${BAD[$size]:-}" ]; then status=1; fi
done
for size in $SIZES; do
  [ -z "${BAD[$size]:-}" ] || echo "size $size: NOT CLEAN:${BAD[$size]}"
done
exit $status

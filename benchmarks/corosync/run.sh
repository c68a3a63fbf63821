#!/usr/bin/env bash
# Measures real Corosync (udp transport, 3 nodes in network namespaces, our cpgbench.c over libcpg) and
# `clusterctl bench` (3 node processes on loopback, secauth on, 2 active rings) on the same work, in one go,
# and prints a side-by-side table. Needs root. See README.md.
#
# Environment: COUNT (messages per flood run; default per size, so that each flood lasts seconds, not a
# fraction of one: 400000 at 64 B, 200000 at 1 KiB, 50000 at 8 KiB, 100000 otherwise), SIZES (default "64 1024 8192"),
# LIGHT_COUNT (messages of the --rate 200 runs, default 600), CLUSTERCTL (a built clusterctl; default: publish
# src/Clustering.Tool with Native AOT, as .ci/run does, or with OURS_BUILD=jit build it in Release), OURS_TRANSPORT (udp or udpu, default udp), OURS_RINGS (1 or 2, default 2) and
# OURS_SECAUTH (on or off, default on): the issue's comparison is ours with 2 active rings and secauth against
# Corosync's udp transport, which has one ring and no crypto; OURS_RINGS=1 OURS_SECAUTH=off compares like for like.
# OURS_ACCEL (default 17, the nodes' default): the accelerated window (docs/totem.md); 0 runs Totem in Corosync's order.
# MAX_MESSAGES and WINDOW_SIZE (default: unset, Corosync's 17 and 50): Totem's max_messages and window_size, set on
# both sides alike (Corosync's totem block and `clusterctl bench --max-messages/--window-size`).
# SCHED_RR (yes or no, default yes as in corosync.conf): system.sched_rr on both sides alike (Corosync's system block
# and `clusterctl bench --sched-rr`); the policy each side's processes actually run with is read back and printed.
set -euo pipefail

COUNT=${COUNT:-}
# Messages of a flood run of $1 bytes: COUNT when set, else a count that keeps both systems busy for seconds (a flood
# of a fraction of a second mostly measures start-up: the first messages of ours run before the JIT has optimised).
flood_count() {
  if [ -n "$COUNT" ]; then echo "$COUNT"; return; fi
  case $1 in 64) echo 400000 ;; 1024) echo 200000 ;; 8192) echo 50000 ;; *) echo 100000 ;; esac
}
SIZES=${SIZES:-"64 1024 8192"}
LIGHT_COUNT=${LIGHT_COUNT:-600}
LIGHT_RATE=200
OURS_TRANSPORT=${OURS_TRANSPORT:-udp}
OURS_RINGS=${OURS_RINGS:-2}
OURS_SECAUTH=${OURS_SECAUTH:-on}
OURS_ACCEL=${OURS_ACCEL:-17}
MAX_MESSAGES=${MAX_MESSAGES:-}
WINDOW_SIZE=${WINDOW_SIZE:-}
for v in "$MAX_MESSAGES" "$WINDOW_SIZE"; do
  case $v in ''|[1-9]|[1-9][0-9]|[1-9][0-9][0-9]) ;; *) echo "run.sh: MAX_MESSAGES and WINDOW_SIZE take 1..999" >&2; exit 2 ;; esac
done
# The totem lines both sides get for them, and our bench's options.
TOTEM_TUNING=""
OURS_TUNING=()
[ -n "$MAX_MESSAGES" ] && TOTEM_TUNING+="  max_messages: $MAX_MESSAGES"$'\n' && OURS_TUNING+=(--max-messages "$MAX_MESSAGES")
[ -n "$WINDOW_SIZE" ] && TOTEM_TUNING+="  window_size: $WINDOW_SIZE"$'\n' && OURS_TUNING+=(--window-size "$WINDOW_SIZE")
SCHED_RR=${SCHED_RR:-yes}
case $SCHED_RR in yes) OURS_SCHED=on ;; no) OURS_SCHED=off ;; *) echo "run.sh: SCHED_RR takes yes or no" >&2; exit 2 ;; esac
TUNING_NOTE=""
[ -n "$TOTEM_TUNING" ] && TUNING_NOTE="max_messages ${MAX_MESSAGES:-17}, window_size ${WINDOW_SIZE:-50}, "
# A process's scheduling as clusterctl bench reports its nodes': "SCHED_RR 99", "nice N" or "default".
sched_of() { awk '{ if ($41 == 2) print "SCHED_RR " $40; else if ($19 != 0) print "nice " $19; else print "default" }' "/proc/$1/stat" 2>/dev/null; }
C_SCHED="unknown"; O_SCHED="unknown"
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

# --- clusterctl: the node as one would run it as a daemon, a Native AOT executable (OURS_BUILD=jit: the dotnet tool)
if [ -z "${CLUSTERCTL:-}" ]; then
  if [ "${OURS_BUILD:-aot}" = jit ]; then
    log "building clusterctl (Release, JIT)"
    dotnet build "$REPO/src/Clustering.Tool" -c Release -v q -nologo >&2
    CLUSTERCTL="$REPO/src/Clustering.Tool/bin/Release/net10.0/clusterctl"
  else
    log "publishing clusterctl (Release, Native AOT; a few minutes)"
    dotnet publish "$REPO/src/Clustering.Tool" -c Release -r linux-x64 -p:PublishAot=true -v q -nologo -o "$WORK/native" >&2
    CLUSTERCTL="$WORK/native/clusterctl"
  fi
fi
if [ -f "$(dirname "$CLUSTERCTL")/clusterctl.dll" ]; then OURS_KIND="JIT"; else OURS_KIND="Native AOT"; fi

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
${TOTEM_TUNING}  crypto_cipher: none
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
  sched_rr: $SCHED_RR
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

# Whether every corosync daemon still runs; names the first one that exited, with the last line it printed (3.1.7
# once aborted at start-up here on an assertion in totemsrp's orf_token_rtr), so the run stops instead of timing out.
corosync_alive() {
  local i=1 pid
  for pid in "${PIDS[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "corosync on node $i exited: $(tail -1 "$WORK/n$i/stdout" 2>/dev/null)"
      return 1
    fi
    i=$((i + 1))
  done
}

# CPU time (user + system) of the corosync daemons so far, in milliseconds.
daemons_cpu_ms() {
  local ticks=0 pid
  for pid in "${PIDS[@]}"; do
    # Fields 14 and 15 of /proc/PID/stat (utime, stime, in clock ticks); the name in field 2 has no spaces here.
    # A daemon that is gone counts nothing here; its client then reports the failure.
    [ -r "/proc/$pid/stat" ] || continue
    ticks=$((ticks + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
  done
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", t * 1000 / hz }'
}

# $1 size, $2 count, $3 rate -> "msgs_per_s worst_p50_ms lost out_of_order cpu_us_per_msg"
# The CPU per message is the daemons' CPU from before the clients start until every client has its result, plus each
# client's own CPU from the full group to its result (cpu_ms), over the messages sent.
corosync_run() {
  local size=$1 count=$2 rate=$3 out="$WORK/run-$1-$2-$3" pids=() cpu_before cpu_after
  mkdir -p "$out"
  cpu_before=$(daemons_cpu_ms)
  for i in $(seq 2 $NODES); do
    ip netns exec "cb$ID-$i" "$WORK/cpgbench" -n $NODES -s "$size" -c "$count" -r "$rate" > "$out/$i" 2> "$out/$i.err" &
    pids+=($!)
  done
  ip netns exec "cb$ID-1" "$WORK/cpgbench" -S -n $NODES -s "$size" -c "$count" -r "$rate" > "$out/1" 2> "$out/1.err" &
  pids+=($!)
  # The clients linger in the group for 2 s after their result: the daemons' CPU is read as soon as all have one.
  local waited=0
  while [ "$(cat "$out"/[0-9] 2>/dev/null | grep -c '^RESULT')" -lt $NODES ] && [ $waited -lt 6000 ]; do
    sleep 0.05; waited=$((waited + 1))
  done
  cpu_after=$(daemons_cpu_ms)
  local rc=0
  for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
  if [ $rc != 0 ]; then
    log "cpgbench failed (size $size, rate $rate):"; cat "$out"/*.err "$out"/[0-9] >&2
  fi
  cat "$out"/[0-9] | awk -v daemons="$(awk -v a="$cpu_before" -v b="$cpu_after" 'BEGIN { print b - a }')" -v count="$count" '
    /^RESULT/ {
      for (f = 2; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
      if (n == 0 || v["msgs_per_s"] < rate) rate = v["msgs_per_s"]
      if (v["p50_ms"] > p50) p50 = v["p50_ms"]
      lost += v["lost"]; ooo += v["out_of_order"]; cpu += v["cpu_ms"]; n++
    }
    END { if (n == 0) print "0 0 -1 -1 0"; else printf "%s %s %d %d %.2f\n", rate, p50, lost, ooo, (cpu + daemons) * 1000 / count }'
}

# $1 size, $2 count, $3 rate -> "msgs_per_s worst_p50_ms lost out_of_order cpu_us_per_msg"
# The CPU per message is clusterctl bench's own (every node process from the start signal to its last message).
ours_run() {
  local size=$1 count=$2 rate=$3 json
  json=$("$CLUSTERCTL" bench --nodes $NODES --size "$size" --count "$count" --rate "$rate" \
    --transport "$OURS_TRANSPORT" --rings "$OURS_RINGS" --secauth "$OURS_SECAUTH" --accelerated-window "$OURS_ACCEL" "${OURS_TUNING[@]}" --sched-rr "$OURS_SCHED" --json 2> "$WORK/ours.err") || {
    log "clusterctl bench failed (size $size, rate $rate):"; cat "$WORK/ours.err" >&2; }
  [ -n "$json" ] || { echo "0 0 -1 -1 0"; return; }
  # The first msgs_per_s is the slowest member's; the largest p50_ms is the worst member's.
  local mps p50 lost ooo cpu
  mps=$(grep -o '"msgs_per_s":[0-9.]*' <<<"$json" | head -1 | cut -d: -f2)
  p50=$(grep -o '"p50_ms":[0-9.]*' <<<"$json" | cut -d: -f2 | sort -g | tail -1)
  lost=$(grep -o '"lost":[0-9]*' <<<"$json" | head -1 | cut -d: -f2)
  ooo=$(grep -o '"out_of_order":[0-9]*' <<<"$json" | head -1 | cut -d: -f2)
  cpu=$(grep -o '"cpu_us_per_msg":[0-9.]*' <<<"$json" | head -1 | cut -d: -f2)
  grep -o '"scheduling":"[^"]*"' <<<"$json" | head -1 | cut -d'"' -f4 > "$WORK/ours.sched"
  echo "$mps $p50 $lost $ooo ${cpu:-0}"
}

# Steal time (/proc/stat): on a virtual machine, the share of time the host ran something else while this one
# wanted the CPU. It swings with the neighbours and throughput follows it, so each half of the run reports its own.
steal_mark() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $9, t }' /proc/stat; }
steal_since() { read -r s0 t0 <<<"$1"; read -r s1 t1 < <(steal_mark); awk -v s="$((s1 - s0))" -v t="$((t1 - t0))" 'BEGIN { printf "%.0f", (t > 0 ? 100 * s / t : 0) }'; }

declare -A C_MPS C_P50 C_CPU O_MPS O_P50 O_CPU BAD
STEAL_MARK=$(steal_mark)
log "corosync $(corosync -v | head -1 | grep -o "'[^']*'"), 3 nodes, udp, in namespaces cb$ID-1..$NODES"
# The tuning as the daemon runs it (its runtime configuration), read from node 1 once it answers.
cmap_value() { ip netns exec "cb$ID-1" corosync-cmapctl -g "runtime.config.totem.$1" 2>/dev/null | awk '{ print $NF }'; }
if [ -n "$TOTEM_TUNING" ]; then
  for _ in $(seq 1 100); do [ -n "$(cmap_value max_messages)" ] && break; sleep 0.1; done
  log "corosync runs with max_messages $(cmap_value max_messages), window_size $(cmap_value window_size)"
fi
# The daemon sets its scheduling as it starts; read node 1's once its runtime configuration answers.
for _ in $(seq 1 100); do [ -n "$(cmap_value token)" ] && break; sleep 0.1; done
C_SCHED=$(sched_of "${PIDS[0]}"); C_SCHED=${C_SCHED:-unknown}
log "corosync runs with sched_rr $SCHED_RR: $C_SCHED"
for size in $SIZES; do
  corosync_alive || exit 1
  read -r mps _ lost ooo cpu < <(corosync_run "$size" "$(flood_count "$size")" 0)
  C_MPS[$size]=$mps; C_CPU[$size]=$cpu; [ "$lost$ooo" = "00" ] || BAD[$size]+=" corosync-flood:lost=$lost,ooo=$ooo"
  corosync_alive || exit 1
  read -r _ p50 lost ooo _ < <(corosync_run "$size" "$LIGHT_COUNT" "$LIGHT_RATE")
  C_P50[$size]=$p50; [ "$lost$ooo" = "00" ] || BAD[$size]+=" corosync-light:lost=$lost,ooo=$ooo"
  log "corosync $size B: ${C_MPS[$size]} msgs/s, ${C_CPU[$size]} us CPU per message, p50 at $LIGHT_RATE/s ${C_P50[$size]} ms"
done

C_STEAL=$(steal_since "$STEAL_MARK")

# Corosync stops before ours runs: the two never share the CPU.
for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
PIDS=()

STEAL_MARK=$(steal_mark)
log "clusterctl bench ($OURS_KIND), 3 node processes on loopback, $OURS_TRANSPORT, secauth $OURS_SECAUTH$([ "$OURS_SECAUTH" = on ] && echo " (aes256 + sha256)"), $OURS_RINGS ring(s)$([ "$OURS_RINGS" = 2 ] && echo ", active"), accelerated window $OURS_ACCEL"
for size in $SIZES; do
  read -r mps _ lost ooo cpu < <(ours_run "$size" "$(flood_count "$size")" 0)
  O_MPS[$size]=$mps; O_CPU[$size]=$cpu; [ "$lost$ooo" = "00" ] || BAD[$size]+=" ours-flood:lost=$lost,ooo=$ooo"
  read -r _ p50 lost ooo _ < <(ours_run "$size" "$LIGHT_COUNT" "$LIGHT_RATE")
  O_P50[$size]=$p50; [ "$lost$ooo" = "00" ] || BAD[$size]+=" ours-light:lost=$lost,ooo=$ooo"
  log "ours $size B: ${O_MPS[$size]} msgs/s, ${O_CPU[$size]} us CPU per message, p50 at $LIGHT_RATE/s ${O_P50[$size]} ms"
done
[ -s "$WORK/ours.sched" ] && O_SCHED=$(cat "$WORK/ours.sched")
log "ours ran with sched_rr $SCHED_RR: $O_SCHED"

O_STEAL=$(steal_since "$STEAL_MARK")

echo
counts=""; for size in $SIZES; do counts+="${counts:+, }$(flood_count "$size") at $size B"; done
echo "3 nodes, 1 sender; ours: clusterctl $OURS_KIND, $OURS_TRANSPORT, $OURS_RINGS ring(s), secauth $OURS_SECAUTH, accelerated window $OURS_ACCEL; both: ${TUNING_NOTE}sched_rr $SCHED_RR (Corosync: $C_SCHED, ours: $O_SCHED); flood runs of $counts; $LIGHT_COUNT messages at $LIGHT_RATE msgs/s for latency; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), steal $C_STEAL % during Corosync's runs and $O_STEAL % during ours, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| size | Corosync 3.1.7 msgs/s | ours msgs/s | ours / Corosync | Corosync CPU us/msg | ours CPU us/msg | Corosync p50 @ $LIGHT_RATE/s | ours p50 @ $LIGHT_RATE/s |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
status=0
for size in $SIZES; do
  ratio=$(awk -v o="${O_MPS[$size]}" -v c="${C_MPS[$size]}" 'BEGIN { if (c > 0) printf "%.2fx", o / c; else print "n/a" }')
  printf '| %s B | %.0f | %.0f | %s | %.1f | %.1f | %.3f ms | %.3f ms |\n' "$size" "${C_MPS[$size]}" "${O_MPS[$size]}" "$ratio" \
    "${C_CPU[$size]}" "${O_CPU[$size]}" "${C_P50[$size]}" "${O_P50[$size]}"
  if [ -n "${BAD[$size]:-}" ]; then status=1; fi
done
for size in $SIZES; do
  [ -z "${BAD[$size]:-}" ] || echo "size $size: NOT CLEAN:${BAD[$size]}"
done
exit $status

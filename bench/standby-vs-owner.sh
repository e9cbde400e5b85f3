#!/usr/bin/env bash
# Issue 19's forwarding figure with the real parts: two `flashcopy serve --store rbd:POOL` processes on one pool, the
# owner and a standby; fio --ioengine=nbd on one RBD image straight to the owner and through the standby (which
# forwards every request to the owner over NBD: SwitchableDevices, MovableDevice, TrackedRemoteDevice). Paired
# rounds, the order alternating; the table gives each side's median, the median of the per-round ratios (target:
# through the standby at least 0.8x straight), and each server's CPU per request. bench/forwarding-vs-direct.sh
# measures the NBD client alone on the file store; this one measures what a host of a Ceph cluster gets.
#
#   CEPH_CONF=/tmp/flashcopy-ceph/ceph.conf bench/standby-vs-owner.sh       # ROUNDS=5 RUNTIME=8 SIZE=1G
#
# The pool (POOL, default fcforward) is the benchmark's own: created when missing, emptied at start and end.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
rounds=${ROUNDS:-5}
runtime=${RUNTIME:-8}
warmup=${WARMUP:-3}
size=${SIZE:-1G}
pool=${POOL:-fcforward}
script=standby-vs-owner
. "$root/bench/lib/ceph-pool.sh" # CEPH_CONF, CEPH_ARGS, the pool checks, ensure_pool, empty_pool
"$root/bin/install-clients"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d /var/tmp/flashcopy-standbybench.XXXXXX)
image=bench-img
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

. "$root/bench/lib/servers.sh" # free_port, wait_uri, launch_flashcopy, await_admin, stop_server, warm_up, ...

ensure_pool
echo "emptying pool $pool" >&2
empty_pool
echo "preparing a dense $size RBD image $pool/$image" >&2
rbd create --size "$size" "$pool/$image"
rbd bench --io-type write --io-size 4M --io-threads 4 --io-pattern seq --io-total "$size" "$pool/$image" >/dev/null

start_fc() { # NAME: a server of the pool; its NBD port in fc_port, pid in fc_pid
  fc_port=$(free_port)
  launch_flashcopy "$1" "127.0.0.1:$fc_port" "${FLASHCOPY_JAVA_OPTS:-}" --store "rbd:$pool" --ceph-conf "$CEPH_CONF" \
      --server-name "fwdbench-$$-$1"
  fc_pid=$flashcopy_pid
}
fc() { local d=$1; shift; FLASHCOPY_NO_BUILD=1 FLASHCOPY_DATA="$work/$d/data" "$root/bin/flashcopy" "$@"; }

start_fc owner
owner_port=$fc_port owner_pid=$fc_pid
await_admin owner "$owner_pid"
fc owner mkvol bench --image "$pool/$image" >/dev/null
start_fc standby
standby_port=$fc_port standby_pid=$fc_pid
for _ in $(seq 900); do grep -q 'standby:' "$work/standby.log" && break; kill -0 "$standby_pid" || break; sleep 0.1; done
grep -q 'standby:' "$work/standby.log" || { echo "the standby did not wait:" >&2; cat "$work/standby.log" >&2; exit 1; }
direct="nbd://127.0.0.1:$owner_port/bench"
forward="nbd://127.0.0.1:$standby_port/bench"
wait_uri "$direct"
wait_uri "$forward"
warm_up "$direct" "$warmup"
warm_up "$forward" "$warmup"

rows=(
  "randread 4k qd32|--rw=randread --bs=4k --iodepth=32"
  "randwrite 4k qd32|--rw=randwrite --bs=4k --iodepth=32"
  "read 1M qd8|--rw=read --bs=1M --iodepth=8"
  "write 1M qd8|--rw=write --bs=1M --iodepth=8"
)
if [ -n "${ONLY:-}" ]; then
  kept=(); for r in "${rows[@]}"; do [[ ${r%%|*} =~ $ONLY ]] && kept+=("$r"); done; rows=("${kept[@]}")
fi
results="$work/results.tsv"
: >"$results"
# one SIDE URI ROW FIO-ARGS...: one fio job; its line with the owner's CPU per request, then the standby's.
one() {
  local side=$1 uri=$2 name=$3 o0 o1 s0 s1
  shift 3
  o0=$(cpu_ticks "$owner_pid"); s0=$(cpu_ticks "$standby_pid")
  fio --name=bench --ioengine=nbd --uri="$uri" "$@" --size="$size" --runtime="$runtime" --time_based \
      --ramp_time=2 --output-format=json --output="$work/out.json" >/dev/null
  o1=$(cpu_ticks "$owner_pid"); s1=$(cpu_ticks "$standby_pid")
  fio_line "$work/out.json" "$side" "$name" "$round" "$((o1 - o0))" "$((runtime + 2))" >>"$results"
  printf '%s\t%s\t%s\t%s\n' "$side" "$name" "$round" "$((s1 - s0))" >>"$work/standby-cpu.tsv"
}
for row in "${rows[@]}"; do
  name=${row%%|*}
  read -r -a args <<<"${row#*|}"
  for round in $(seq "$rounds"); do
    echo "$name, round $round of $rounds" >&2
    if [ $((round % 2)) = 1 ]; then
      one owner "$direct" "$name" "${args[@]}"; one standby "$forward" "$name" "${args[@]}"
    else
      one standby "$forward" "$name" "${args[@]}"; one owner "$direct" "$name" "${args[@]}"
    fi
  done
done
grep -q 'standby:' "$work/standby.log" && ! grep -q 'took over' "$work/standby.log" \
    || { echo "the standby did not stay a standby:" >&2; cat "$work/standby.log" >&2; exit 1; }
fc owner rmvol bench >/dev/null # registered, not created: the image stays, and goes below
stop_server "$standby_pid"
stop_server "$owner_pid"
empty_pool

summary=$(python3 - "$root/bench/lib" "$results" "$work/standby-cpu.tsv" "$runtime" <<'PY'
import sys, statistics
sys.path.insert(0, sys.argv[1])
from tables import read_runs, median as m, each_round, IOPS, MIB, P99, SERVER_US
ticks = {}
for line in open(sys.argv[3]):
    side, name, rnd, t = line.rstrip("\n").split("\t")
    ticks[(side, name, rnd)] = int(t)
hz, secs = 100, int(sys.argv[4]) + 2
print("| job | straight to the owner: IOPS | MiB/s | p99 µs | owner CPU µs/req | through the standby: IOPS | MiB/s "
      "| p99 µs | owner CPU µs/req | standby CPU µs/req | standby / owner | each round |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for name, s in read_runs(sys.argv[2]).items():
    o, f = s["owner"], s["standby"]
    ratios = [f[r][IOPS] / o[r][IOPS] for r in o]
    # The standby's CPU over its requests (the ramp's included, as for the owner's figure).
    fwd_us = statistics.median(
        ticks[("standby", name, r)] / hz * 1e6 / (f[r][IOPS] * secs) for r in f)
    print(f"| {name} | {m(o, IOPS):.0f} | {m(o, MIB):.1f} | {m(o, P99):.0f} | {m(o, SERVER_US):.1f} "
          f"| {m(f, IOPS):.0f} | {m(f, MIB):.1f} | {m(f, P99):.0f} | {m(f, SERVER_US):.1f} | {fwd_us:.1f} "
          f"| {statistics.median(ratios):.2f} | {each_round(f, o)} |")
PY
)
echo "$summary"

section="## Ceph RBD: through a standby vs straight to the owner (bench/standby-vs-owner.sh)"
[ -n "${FLASHCOPY_JAVA_OPTS:-}" ] && section="$section, FLASHCOPY_JAVA_OPTS='$FLASHCOPY_JAVA_OPTS'"
{
  echo "$section"
  echo
  echo "Two \`flashcopy serve --store rbd:$pool\` processes on the one-node development cluster (\`bin/ceph-dev\`): the"
  echo "owner, with one dense $size RBD image registered (\`mkvol bench --image $pool/$image\`, filled by \`rbd bench\`),"
  echo "and a standby, which forwards every request to the owner over NBD. fio \`--ioengine=nbd\` straight to the owner"
  echo "and through the standby, $rounds paired rounds of ${runtime} s after a 2 s ramp, the order alternating; medians, and"
  echo "each round's own ratio (standby / owner). CPU per request: each process's user + system time over the job"
  echo "(/proc/PID/stat) over the job's requests; the owner serves both sides, the standby only the forwarded one."
  echo "Everything (fio, both servers, the OSD and the monitor) shares the machine's cores."
  echo
  echo "- command: \`FLASHCOPY_JAVA_OPTS='${FLASHCOPY_JAVA_OPTS:-}' ROUNDS=$rounds RUNTIME=$runtime WARMUP=$warmup SIZE=$size bench/standby-vs-owner.sh\`"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(machine)"
  echo "- load average (1/5/15 min) at start: $load_start; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "$summary"
} >"$work/section.md"
replace_section "$root/bench/RESULTS.md" "$work/section.md" "$section"
echo "written to bench/RESULTS.md ($section)" >&2

#!/usr/bin/env bash
# Issue 19's figures on Ceph RBD, one run, one cluster: flashcopy (`serve --store rbd:POOL`) against qemu-nbd
# (qemu's rbd driver) serving the same RBD image; copy-on-write source writes against plain ones; mkflash latency
# for 1 GiB and 1 TiB volumes; failover time (owner kill -9 to the first read through a standby). Prints the
# tables and writes them, with machine, date and load, as a section of bench/RESULTS.md.
#
#   CEPH_CONF=/tmp/flashcopy-ceph/ceph.conf bench/rbd-vs-qemu-nbd.sh        # ROUNDS=3 RUNTIME=8 FAILOVERS=10
#   BASE_PORT=21400 ROUNDS=5 RUNTIME=10 bench/rbd-vs-qemu-nbd.sh
#
# The pool (POOL, default fcbench) is the benchmark's own: created when missing, emptied of its images and
# flashcopy objects at start. Only one flashcopy server may own a pool's store, so never point it at a pool that
# other servers or tests use (it refuses rbd). Needs the ceph, rbd and rados commands (bin/ceph-dev installs them).
# The server runs from tools/target as built; bench/lib/servers.sh builds what is missing first.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
rounds=${ROUNDS:-3}
runtime=${RUNTIME:-8}
cow_runtime=${COW_RUNTIME:-10}
warmup=${WARMUP:-3}
failovers=${FAILOVERS:-10}
mkflash_runs=${MKFLASH_RUNS:-5}
size=${SIZE:-1G}
pool=${POOL:-fcbench}
script=rbd-vs-qemu-nbd
. "$root/bench/lib/ceph-pool.sh" # CEPH_CONF, CEPH_ARGS, the pool checks, ensure_pool, empty_pool
"$root/bin/install-clients"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d /var/tmp/flashcopy-rbdbench.XXXXXX)
image=bench-img
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

. "$root/bench/lib/servers.sh" # free_port, wait_uri, launch_flashcopy, await_admin, stop_server, warm_up, ...
now_ns() { date +%s%N; }

# The pool: created once, emptied at every start (a run killed half-way leaves images and metadata behind).
ensure_pool
echo "emptying pool $pool" >&2
empty_pool

# start_fc NAME: a flashcopy server on the pool, data in $work/NAME, its NBD port in fc_port, pid in fc_pid; it
# may be a standby (the caller waits for what it needs).
starts=0
start_fc() {
  starts=$((starts + 1))
  fc_port=$(free_port)
  launch_flashcopy "$1" "127.0.0.1:$fc_port" "${FLASHCOPY_JAVA_OPTS:-}" --store "rbd:$pool" --ceph-conf "$CEPH_CONF" \
      --server-name "rbdbench-$$-$starts"
  fc_pid=$flashcopy_pid
}
fc() { local d=$1; shift; FLASHCOPY_NO_BUILD=1 FLASHCOPY_DATA="$work/$d/data" "$root/bin/flashcopy" "$@"; }

echo "preparing a dense $size RBD image $pool/$image" >&2
rbd create --size "$size" "$pool/$image"
rbd bench --io-type write --io-size 4M --io-threads 4 --io-pattern seq --io-total "$size" "$pool/$image" >/dev/null

# qemu-nbd --cache=writeback turns librbd's cache on (rbd_cache=true; cache=none would turn it off), which is
# librbd's default and so what flashcopy runs with (it sets no rbd_* option): both servers use the same librbd.
qemu_image="rbd:$pool/$image:conf=$CEPH_CONF"
start_qn() {
  qn_port=$(free_port)
  qemu-nbd -f raw --cache=writeback -b 127.0.0.1 -p "$qn_port" -x bench --persistent --shared=8 "$qemu_image" \
      >"$work/qemu-nbd.log" 2>&1 &
  qn_pid=$!
  pids+=($qn_pid)
  wait_uri "nbd://127.0.0.1:$qn_port/bench"
}

rows=(
  "randread 4k qd32|--rw=randread --bs=4k --iodepth=32"
  "randwrite 4k qd32|--rw=randwrite --bs=4k --iodepth=32"
  "read 1M qd8|--rw=read --bs=1M --iodepth=8"
  "write 1M qd8|--rw=write --bs=1M --iodepth=8"
)
results="$work/results.tsv"
cow="$work/cow.tsv"
: >"$results"
: >"$cow"
# run_one FILE SERVER ROW URI PID RAMP TIME FIO-ARGS...: one fio job; its result line (bench/lib/fio-line) with
# the server's CPU µs per request (its user + system time over the job, ramp included).
run_one() {
  local file=$1 server=$2 name=$3 uri=$4 spid=$5 ramp=$6 time=$7 c0 c1
  shift 7
  c0=$(cpu_ticks "$spid")
  fio --name=bench --ioengine=nbd --uri="$uri" "$@" --size="$size" --runtime="$time" --time_based \
      --ramp_time="$ramp" --output-format=json --output="$work/out.json" >/dev/null
  c1=$(cpu_ticks "$spid")
  fio_line "$work/out.json" "$server" "$name" "$round" "$((c1 - c0))" "$((time + ramp))" >>"$file"
}
run_rows() { # SERVER URI PID
  for row in "${rows[@]}"; do
    echo "  ${row%%|*} on $1" >&2
    # shellcheck disable=SC2086
    run_one "$results" "$1" "${row%%|*}" "$2" "$3" 2 "$runtime" ${row#*|}
  done
}

# Plain rows: one server at a time on the image (both would write it), the first one alternating by round.
start_fc plain
await_admin plain "$fc_pid"
fc plain mkvol bench --image "$pool/$image" >/dev/null
stop_server "$fc_pid"
for round in $(seq "$rounds"); do
  echo "plain rows, round $round of $rounds" >&2
  order=(flashcopy qemu-nbd)
  [ $((round % 2)) -eq 0 ] && order=(qemu-nbd flashcopy)
  for server in "${order[@]}"; do
    if [ "$server" = flashcopy ]; then
      start_fc "plain$round"
      await_admin "plain$round" "$fc_pid"
      uri="nbd://127.0.0.1:$fc_port/bench"
      wait_uri "$uri"
      warm_up "$uri" "$warmup"
      run_rows flashcopy "$uri" "$fc_pid"
      stop_server "$fc_pid" # a clean stop releases the store's lease at once
    else
      start_qn
      uri="nbd://127.0.0.1:$qn_port/bench"
      warm_up "$uri" "$warmup"
      run_rows qemu-nbd "$uri" "$qn_pid"
      stop_server "$qn_pid"
    fi
  done
done

# Copy-on-write: 4 KiB random writes to the source with no target, then with one fresh NOCOPY target (no ramp:
# the first writes to each grain are the ones that copy), every round. By default the writes without a target run
# one at a time on the volume's serial lane and those with one do not: compare the two with
# FLASHCOPY_JAVA_OPTS=-Dflashcopy.serialWrites=false, where both are concurrent (RESULTS.md, "Ceph RBD").
start_fc cow
await_admin cow "$fc_pid"
uri="nbd://127.0.0.1:$fc_port/bench"
wait_uri "$uri"
warm_up "$uri" "$warmup"
for round in $(seq "$rounds"); do
  echo "copy-on-write, round $round of $rounds" >&2
  run_one "$cow" flashcopy "source write, 0 targets" "$uri" "$fc_pid" 0 "$cow_runtime" --rw=randwrite --bs=4k --iodepth=32
  fc cow mkflash --nocp bench:cowt >/dev/null
  run_one "$cow" flashcopy "source write, 1 NOCOPY target" "$uri" "$fc_pid" 0 "$cow_runtime" --rw=randwrite --bs=4k --iodepth=32
  fc cow rmflash --force bench:cowt >/dev/null
  fc cow rmvol cowt >/dev/null
  # Two targets in one mkflash: each keeps T0 in its own snapshot, the older switching after the newer was made.
  fc cow mkflash --nocp bench:cowt bench:cowt2 >/dev/null
  run_one "$cow" flashcopy "source write, 2 NOCOPY targets (one mkflash)" "$uri" "$fc_pid" 0 "$cow_runtime" --rw=randwrite --bs=4k --iodepth=32
  fc cow rmflash --force bench:cowt2 >/dev/null
  fc cow rmflash --force bench:cowt >/dev/null
  fc cow rmvol cowt >/dev/null
  fc cow rmvol cowt2 >/dev/null
done

# mkflash on sparse volumes of 1 GiB and 1 TiB: the admin API call alone (no CLI start-up), and the whole CLI
# command (`flashcopy mkflash --nocp`, a JVM start included) beside it; each run on a fresh target.
mkflash_times="$work/mkflash.tsv"
: >"$mkflash_times"
for vol in 1G 1T; do
  fc cow mkvol "mk$vol" --size "$vol" >/dev/null
  for i in $(seq "$mkflash_runs"); do
    api_ms=$(python3 - "$work/cow/data/admin.json" "mk$vol:mk$vol-t" <<'PY'
import json, sys, time, urllib.request
admin = json.load(open(sys.argv[1]))
req = urllib.request.Request(admin["url"] + "/v1/relationships", method="POST",
                             data=json.dumps({"pairs": [sys.argv[2]], "mode": "nocopy"}).encode(),
                             headers={"Authorization": "Bearer " + admin["token"], "Content-Type": "application/json"})
start = time.monotonic()
urllib.request.urlopen(req).read()
print(f"{(time.monotonic() - start) * 1000:.1f}")
PY
)
    fc cow rmflash --force "mk$vol:mk$vol-t" >/dev/null
    fc cow rmvol "mk$vol-t" >/dev/null
    t0=$(now_ns)
    fc cow mkflash --nocp "mk$vol:mk$vol-t" >/dev/null
    cli_ms=$(( ($(now_ns) - t0) / 1000000 ))
    fc cow rmflash --force "mk$vol:mk$vol-t" >/dev/null
    fc cow rmvol "mk$vol-t" >/dev/null
    printf '%s\t%s\t%s\n' "$vol" "$api_ms" "$cli_ms" >>"$mkflash_times"
  done
  fc cow rmvol "mk$vol" >/dev/null
done

# Failover: a standby started beforehand on the same pool; kill -9 of the owner; the time until a 4 KiB read
# through the standby succeeds, and until its log says it took the store over (the lease lapsing, 10 s, plus the
# standby's next try, every 3 s), the rest being the store's recovery and the NBD listener opening.
failover_times="$work/failover.tsv"
: >"$failover_times"
owner=cow
owner_pid=$fc_pid
for i in $(seq "$failovers"); do
  start_fc "sb$i"
  for _ in $(seq 900); do grep -q 'standby:' "$work/sb$i.log" && break; kill -0 "$fc_pid" || break; sleep 0.1; done
  grep -q 'standby:' "$work/sb$i.log" || { echo "standby sb$i did not wait:" >&2; cat "$work/sb$i.log" >&2; exit 1; }
  sleep 1 # the standby is waiting for its next try, as a long-running one would be
  kill -9 "$owner_pid"
  t0=$(now_ns)
  wait "$owner_pid" 2>/dev/null || true
  took=
  for _ in $(seq 1200); do
    [ -z "$took" ] && grep -q 'took over the store' "$work/sb$i.log" && took=$(now_ns)
    if qemu-io -f raw -r -c "read 0 4k" "nbd://127.0.0.1:$fc_port/bench" 2>/dev/null | grep -q 'read 4096/4096'; then
      break
    fi
    kill -0 "$fc_pid" || { echo "standby sb$i stopped:" >&2; cat "$work/sb$i.log" >&2; exit 1; }
    sleep 0.1
  done
  t1=$(now_ns)
  [ -z "$took" ] && took=$t1
  printf '%s\t%s\n' "$(( (t1 - t0) / 1000000 ))" "$(( (took - t0) / 1000000 ))" >>"$failover_times"
  echo "failover $i of $failovers: $(( (t1 - t0) / 1000000 )) ms" >&2
  owner=sb$i
  owner_pid=$fc_pid
done
fc "$owner" rmvol bench >/dev/null # registered, not created: the image stays, and goes below
stop_server "$owner_pid"
empty_pool

summary=$(python3 - "$root/bench/lib" "$results" "$cow" "$mkflash_times" "$failover_times" <<'PY'
import sys, collections, statistics
sys.path.insert(0, sys.argv[1])
from tables import read_runs, median as m, each_round, IOPS, MIB, P99, SERVER_US
med = statistics.median
print("| job | flashcopy IOPS | MiB/s | p99 µs | server CPU µs/request | qemu-nbd IOPS | MiB/s | p99 µs "
      "| server CPU µs/request | flashcopy / qemu-nbd | each round |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
ratio = {}
for name, s in read_runs(sys.argv[2]).items():
    fc, qn = s["flashcopy"], s["qemu-nbd"]
    ratio[name] = m(fc, IOPS) / m(qn, IOPS)
    print(f"| {name} | {m(fc, IOPS):.0f} | {m(fc, MIB):.1f} | {m(fc, P99):.0f} | {m(fc, SERVER_US):.1f} "
          f"| {m(qn, IOPS):.0f} | {m(qn, MIB):.1f} | {m(qn, P99):.0f} | {m(qn, SERVER_US):.1f} | {ratio[name]:.2f} "
          f"| {each_round(fc, qn)} |")
cow = {name: s["flashcopy"] for name, s in read_runs(sys.argv[3]).items()}
print()
print("| copy-on-write job | IOPS (median) | p99 µs | server CPU µs/request | IOPS each round |")
print("|---|---|---|---|---|")
for name, by_round in cow.items():
    print(f"| {name} | {m(by_round, IOPS):.0f} | {m(by_round, P99):.0f} | {m(by_round, SERVER_US):.1f} "
          f"| {', '.join(f'{v[IOPS]:.0f}' for v in by_round.values())} |")
zero, one = cow["source write, 0 targets"], cow["source write, 1 NOCOPY target"]
two = cow["source write, 2 NOCOPY targets (one mkflash)"]
cow_ratio = m(one, IOPS) / m(zero, IOPS)
cow_ratio2 = m(two, IOPS) / m(zero, IOPS)
mk = collections.OrderedDict()
for line in open(sys.argv[4]):
    vol, api, cli = line.split("\t")
    mk.setdefault(vol, []).append((float(api), float(cli)))
print()
print("| mkflash --nocp | admin API ms (median, each run) | CLI command ms, JVM start included (median, each run) |")
print("|---|---|---|")
for vol, runs in mk.items():
    print(f"| {vol}iB source | {med(r[0] for r in runs):.0f} ({', '.join(f'{r[0]:.0f}' for r in runs)}) "
          f"| {med(r[1] for r in runs):.0f} ({', '.join(f'{r[1]:.0f}' for r in runs)}) |")
fo = [tuple(int(x) / 1000 for x in line.split("\t")) for line in open(sys.argv[5])]
reads = sorted(f[0] for f in fo)
print()
print(f"Failover, {len(fo)} runs (owner kill -9 to the first 4 KiB read through the standby), seconds: "
      f"min {reads[0]:.1f}, median {med(reads):.1f}, max {reads[-1]:.1f}; each run: "
      + ", ".join(f"{f[0]:.1f} (took over at {f[1]:.1f})" for f in fo))
print()
print("| target | measured | goal |")
print("|---|---|---|")
for name, r in ratio.items():
    print(f"| {name}: flashcopy / qemu-nbd | {r:.2f} | >= 1.0 |")
print(f"| source write with 1 NOCOPY target / without | {cow_ratio:.2f} | >= 0.7 |")
print(f"| source write with 2 NOCOPY targets of one mkflash / without | {cow_ratio2:.2f} | >= 0.7 |")
worst = max(med(r[0] for r in runs) for runs in mk.values())
print(f"| mkflash, 1 GiB and 1 TiB (admin API, median of the slower) | {worst:.0f} ms | < 100 ms |")
print(f"| failover, median of {len(fo)} | {med(reads):.1f} s | < 15 s |")
PY
)
echo "$summary"

section="## Ceph RBD: flashcopy vs qemu-nbd (bench/rbd-vs-qemu-nbd.sh)"
# A run with server options (an A/B) gets a section of its own beside the default one.
[ -n "${FLASHCOPY_JAVA_OPTS:-}" ] && section="$section, FLASHCOPY_JAVA_OPTS='$FLASHCOPY_JAVA_OPTS'"
{
  echo "$section"
  echo
  echo "One $size RBD image of pool \`$pool\` (filled by \`rbd bench\`), on the one-node development cluster"
  echo "(\`bin/ceph-dev\`: one BlueStore OSD on a sparse file, one replica, loopback). flashcopy \`serve --store"
  echo "rbd:$pool\` with the image registered (\`mkvol bench --image $pool/$image\`) against \`qemu-nbd -f raw"
  echo "--cache=writeback rbd:$pool/$image:conf=...\`; writeback turns librbd's cache on (\`rbd_cache=true\`), librbd's"
  echo "default and so what flashcopy runs with, so both go through the same librbd. One server at a time (both"
  echo "would write the image), restarted for every round with ${warmup} s + ${warmup} s of unrecorded warm-up, the first"
  echo "one alternating by round; fio \`--ioengine=nbd\`, $rounds rounds of ${runtime} s after a 2 s ramp; medians, and"
  echo "each round's own ratio. Server CPU per request: the server process's user + system time over the job"
  echo "(/proc/PID/stat) over its requests. Copy-on-write: 4 KiB random writes QD32 to the source, ${cow_runtime} s from the"
  echo "moment of establish, with one fresh NOCOPY target each round against none, and with two made by one"
  echo "\`mkflash\`. mkflash: sparse volumes"
  echo "made by \`mkvol --size\`, each run on a fresh target. Failover: a standby started beforehand on the same"
  echo "pool, \`kill -9\` of the owner, then \`qemu-io -r -c 'read 0 4k'\` through the standby every 0.1 s."
  echo
  echo "- command: \`FLASHCOPY_JAVA_OPTS='${FLASHCOPY_JAVA_OPTS:-}' BASE_PORT=${BASE_PORT:-} ROUNDS=$rounds RUNTIME=$runtime COW_RUNTIME=$cow_runtime WARMUP=$warmup FAILOVERS=$failovers SIZE=$size bench/rbd-vs-qemu-nbd.sh\`"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(machine)"
  echo "- load average (1/5/15 min) at start: $load_start; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- $(ceph -v | cut -d' ' -f1-3), $(qemu-nbd --version | head -1), $(fio --version)"
  echo
  echo "$summary"
} >"$work/section.md"
# Replaces the section of an earlier run, keeps everything else.
replace_section "$root/bench/RESULTS.md" "$work/section.md" "$section"
echo "written to bench/RESULTS.md ($section)" >&2

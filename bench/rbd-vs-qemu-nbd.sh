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
export CEPH_CONF=${CEPH_CONF:-/tmp/flashcopy-ceph/ceph.conf}
# The ceph, rbd and rados commands without an admin socket: every client.admin would bind the same path and say so.
export CEPH_ARGS="${CEPH_ARGS:-} --admin-socket="
if [ "$pool" = rbd ]; then
  echo "rbd-vs-qemu-nbd: POOL=rbd is shared with the tests and other servers; give the benchmark a pool of its own" >&2
  exit 2
fi
if [ ! -r "$CEPH_CONF" ]; then
  echo "rbd-vs-qemu-nbd: no Ceph config at $CEPH_CONF; start a cluster (bin/ceph-dev up) or set CEPH_CONF" >&2
  exit 2
fi
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

# A TCP port: BASE_PORT, BASE_PORT+1, ... when BASE_PORT is set (hosts that give each user a range), else the
# kernel's pick. Callers run it in a subshell, so the count lives in a file.
free_port() {
  if [ -n "${BASE_PORT:-}" ]; then
    local n
    n=$(cat "$work/.ports" 2>/dev/null || echo 0)
    echo $((n + 1)) >"$work/.ports"
    echo $((BASE_PORT + n))
    return
  fi
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_uri() { for _ in $(seq 600); do nbdinfo --size "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no server at $1" >&2; exit 1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
now_ns() { date +%s%N; }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# The pool: created once, emptied at every start (a run killed half-way leaves images and metadata behind).
if ! ceph osd pool ls | grep -qx "$pool"; then
  echo "creating pool $pool" >&2
  ceph osd pool create "$pool" 32 >/dev/null && rbd pool init "$pool"
fi
empty_pool() {
  local img objects
  for img in $(rbd -p "$pool" ls); do
    # An image a killed server had open keeps its watcher until Ceph's watch timeout (30 s).
    for _ in $(seq 60); do rbd rm --no-progress "$pool/$img" 2>/dev/null && break; sleep 1; done
  done
  objects=$(rados -p "$pool" ls | grep '^flashcopy' || true)
  # shellcheck disable=SC2086
  [ -z "$objects" ] || rados -p "$pool" rm $objects
}
echo "emptying pool $pool" >&2
empty_pool

# start_fc NAME: a flashcopy server on the pool, data in $work/NAME, its NBD port in fc_port, pid in fc_pid; it
# may be a standby (the caller waits for what it needs). bin/flashcopy execs the JVM: the same pid.
starts=0
start_fc() {
  starts=$((starts + 1))
  fc_port=$(free_port)
  mkdir -p "$work/$1"
  "$root/bin/flashcopy" serve --store "rbd:$pool" --ceph-conf "$CEPH_CONF" --server-name "rbdbench-$$-$starts" \
      --data "$work/$1/data" --listen "127.0.0.1:$fc_port" --admin 127.0.0.1:0 >"$work/$1.log" 2>&1 &
  fc_pid=$!
  pids+=($fc_pid)
}
await_owner() { # NAME PID: until the server NAME owns the store and answers
  for _ in $(seq 900); do
    [ -f "$work/$1/data/admin.json" ] && return 0
    kill -0 "$2" 2>/dev/null || { echo "flashcopy server $1 stopped:" >&2; cat "$work/$1.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "flashcopy server $1 did not come up" >&2; exit 1
}
fc() { local d=$1; shift; FLASHCOPY_DATA="$work/$d/data" "$root/bin/flashcopy" "$@"; }

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
# run_one FILE SERVER ROW URI PID RAMP TIME FIO-ARGS...: one fio job; a line of IOPS, MiB/s, p99 µs, round and the
# server's CPU µs per request (its user + system time over the job, ramp included).
run_one() {
  local file=$1 server=$2 name=$3 uri=$4 spid=$5 ramp=$6 time=$7 c0 c1
  shift 7
  c0=$(cpu_ticks "$spid")
  fio --name=bench --ioengine=nbd --uri="$uri" "$@" --size="$size" --runtime="$time" --time_based \
      --ramp_time="$ramp" --output-format=json --output="$work/out.json" >/dev/null
  c1=$(cpu_ticks "$spid")
  python3 - "$work/out.json" "$server" "$name" "$round" "$((c1 - c0))" "$((time + ramp))" "$(getconf CLK_TCK)" \
      >>"$file" <<'PY'
import json, sys
job = json.load(open(sys.argv[1]))["jobs"][0]
d = job["read"] if job["read"]["io_bytes"] > 0 else job["write"]
p99 = d["clat_ns"].get("percentile", {}).get("99.000000", 0) / 1000.0
ticks, seconds, hz = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
server_us = ticks * 1e6 / hz / (d["iops"] * seconds) if d["iops"] else 0
print(f"{sys.argv[2]}\t{sys.argv[3]}\t{d['iops']:.0f}\t{d['bw_bytes'] / 1048576:.1f}\t{p99:.0f}\t{sys.argv[4]}\t{server_us:.1f}")
PY
}
# Every server start gets the same unrecorded warm-up: the JVM's JIT compiles the hot path in its first seconds.
warm_up() {
  for w in "--rw=randrw --bs=4k --iodepth=32" "--rw=rw --bs=1M --iodepth=8"; do
    # shellcheck disable=SC2086
    fio --name=warmup --ioengine=nbd --uri="$1" $w --size="$size" --runtime="$warmup" --time_based \
        --output=/dev/null >/dev/null
  done
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
await_owner plain "$fc_pid"
fc plain mkvol bench --image "$pool/$image" >/dev/null
stop "$fc_pid"
for round in $(seq "$rounds"); do
  echo "plain rows, round $round of $rounds" >&2
  order=(flashcopy qemu-nbd)
  [ $((round % 2)) -eq 0 ] && order=(qemu-nbd flashcopy)
  for server in "${order[@]}"; do
    if [ "$server" = flashcopy ]; then
      start_fc "plain$round"
      await_owner "plain$round" "$fc_pid"
      uri="nbd://127.0.0.1:$fc_port/bench"
      wait_uri "$uri"
      warm_up "$uri"
      run_rows flashcopy "$uri" "$fc_pid"
      stop "$fc_pid" # a clean stop releases the store's lease at once
    else
      start_qn
      uri="nbd://127.0.0.1:$qn_port/bench"
      warm_up "$uri"
      run_rows qemu-nbd "$uri" "$qn_pid"
      stop "$qn_pid"
    fi
  done
done

# Copy-on-write: 4 KiB random writes to the source with no target, then with one fresh NOCOPY target (no ramp:
# the first writes to each grain are the ones that copy), every round. By default the writes without a target run
# one at a time on the volume's serial lane and those with one do not: compare the two with
# FLASHCOPY_JAVA_OPTS=-Dflashcopy.serialWrites=false, where both are concurrent (RESULTS.md, "Ceph RBD").
start_fc cow
await_owner cow "$fc_pid"
uri="nbd://127.0.0.1:$fc_port/bench"
wait_uri "$uri"
warm_up "$uri"
for round in $(seq "$rounds"); do
  echo "copy-on-write, round $round of $rounds" >&2
  run_one "$cow" flashcopy "source write, 0 targets" "$uri" "$fc_pid" 0 "$cow_runtime" --rw=randwrite --bs=4k --iodepth=32
  fc cow mkflash --nocp bench:cowt >/dev/null
  run_one "$cow" flashcopy "source write, 1 NOCOPY target" "$uri" "$fc_pid" 0 "$cow_runtime" --rw=randwrite --bs=4k --iodepth=32
  fc cow rmflash --force bench:cowt >/dev/null
  fc cow rmvol cowt >/dev/null
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
stop "$owner_pid"
empty_pool

summary=$(python3 - "$results" "$cow" "$mkflash_times" "$failover_times" <<'PY'
import sys, collections, statistics
med = statistics.median
plain = collections.OrderedDict()  # row -> server -> round -> (iops, MiB/s, p99, µs/request)
for line in open(sys.argv[1]):
    server, name, iops, mib, p99, rnd, us = line.rstrip("\n").split("\t")
    plain.setdefault(name, {}).setdefault(server, {})[rnd] = tuple(map(float, (iops, mib, p99, us)))
def m(by_round, i):
    return med(v[i] for v in by_round.values())
print("| job | flashcopy IOPS | MiB/s | p99 µs | server CPU µs/request | qemu-nbd IOPS | MiB/s | p99 µs "
      "| server CPU µs/request | flashcopy / qemu-nbd | each round |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
ratio = {}
for name, s in plain.items():
    fc, qn = s["flashcopy"], s["qemu-nbd"]
    ratio[name] = m(fc, 0) / m(qn, 0)
    each = ", ".join(f"{fc[r][0] / qn[r][0]:.2f}" for r in fc)
    print(f"| {name} | {m(fc, 0):.0f} | {m(fc, 1):.1f} | {m(fc, 2):.0f} | {m(fc, 3):.1f} "
          f"| {m(qn, 0):.0f} | {m(qn, 1):.1f} | {m(qn, 2):.0f} | {m(qn, 3):.1f} | {ratio[name]:.2f} | {each} |")
cow = collections.OrderedDict()
for line in open(sys.argv[2]):
    server, name, iops, mib, p99, rnd, us = line.rstrip("\n").split("\t")
    cow.setdefault(name, {})[rnd] = (float(iops), float(p99), float(us))
print()
print("| copy-on-write job | IOPS (median) | p99 µs | server CPU µs/request | IOPS each round |")
print("|---|---|---|---|---|")
for name, by_round in cow.items():
    print(f"| {name} | {m(by_round, 0):.0f} | {m(by_round, 1):.0f} | {m(by_round, 2):.1f} "
          f"| {', '.join(f'{v[0]:.0f}' for v in by_round.values())} |")
zero, one = cow["source write, 0 targets"], cow["source write, 1 NOCOPY target"]
cow_ratio = m(one, 0) / m(zero, 0)
mk = collections.OrderedDict()
for line in open(sys.argv[3]):
    vol, api, cli = line.split("\t")
    mk.setdefault(vol, []).append((float(api), float(cli)))
print()
print("| mkflash --nocp | admin API ms (median, each run) | CLI command ms, JVM start included (median, each run) |")
print("|---|---|---|")
for vol, runs in mk.items():
    print(f"| {vol}iB source | {med(r[0] for r in runs):.0f} ({', '.join(f'{r[0]:.0f}' for r in runs)}) "
          f"| {med(r[1] for r in runs):.0f} ({', '.join(f'{r[1]:.0f}' for r in runs)}) |")
fo = [tuple(int(x) / 1000 for x in line.split("\t")) for line in open(sys.argv[4])]
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
worst = max(med(r[0] for r in runs) for runs in mk.values())
print(f"| mkflash, 1 GiB and 1 TiB (admin API, median of the slower) | {worst:.0f} ms | < 100 ms |")
print(f"| failover, median of {len(fo)} | {med(reads):.1f} s | < 15 s |")
PY
)
echo "$summary"

machine="$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
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
  echo "moment of establish, with one fresh NOCOPY target each round against none. mkflash: sparse volumes"
  echo "made by \`mkvol --size\`, each run on a fresh target. Failover: a standby started beforehand on the same"
  echo "pool, \`kill -9\` of the owner, then \`qemu-io -r -c 'read 0 4k'\` through the standby every 0.1 s."
  echo
  echo "- command: \`FLASHCOPY_JAVA_OPTS='${FLASHCOPY_JAVA_OPTS:-}' BASE_PORT=${BASE_PORT:-} ROUNDS=$rounds RUNTIME=$runtime COW_RUNTIME=$cow_runtime WARMUP=$warmup FAILOVERS=$failovers SIZE=$size bench/rbd-vs-qemu-nbd.sh\`"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $machine"
  echo "- load average (1/5/15 min) at start: $load_start; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- $(ceph -v | cut -d' ' -f1-3), $(qemu-nbd --version | head -1), $(fio --version)"
  echo
  echo "$summary"
} >"$work/section.md"
# Replaces the section of an earlier run, keeps everything else.
python3 - "$root/bench/RESULTS.md" "$work/section.md" "$section" <<'PY'
import re, sys
path, new, title = sys.argv[1], open(sys.argv[2]).read().rstrip("\n") + "\n", sys.argv[3]
text = open(path).read()
start = text.find(title + "\n")
if start < 0:
    text = text.rstrip("\n") + "\n\n" + new
else:
    nxt = re.search(r"^#{1,2} ", text[start + len(title):], re.M)
    end = start + len(title) + nxt.start() if nxt else len(text)
    text = text[:start] + new + ("\n" + text[end:] if nxt else "")
open(path, "w").write(text)
PY
echo "written to bench/RESULTS.md ($section)" >&2

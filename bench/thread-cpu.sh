#!/usr/bin/env bash
# Which of the server's threads spend its CPU on one fio job, per request: the event loops (Netty's
# multiThreadIoEventLoop threads), the I/O pool (nbd-io-N), the JIT and the GC, each group's CPU-µs per request
# and how often its threads went to sleep (voluntary context switches) or were preempted, from
# /proc/PID/task/*/stat and status before and after the run. A group busy near 1 s per second of one thread is
# the ceiling of the row; wake-ups per request show how much hand-over between threads it pays.
#   JOB="--rw=write --bs=1M --iodepth=8" bench/thread-cpu.sh
#   FLASHCOPY_JAVA_OPTS="-Dflashcopy.heldReplies=1" bench/thread-cpu.sh
#   BASE_PORT=N: the server listens on port N (else a port the kernel picks)
# JOB (default 4 KiB random writes at iodepth 32), SIZE (1G), RUNTIME (6 s), CACHE=pages (default) or folios as
# for bench/fio-vs-peers.sh; 3 unrecorded warm-up runs of the job first, for the JIT; FLASHCOPY_NO_BUILD=1 as for
# bin/flashcopy.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
job=${JOB:---rw=randwrite --bs=4k --iodepth=32}
size=${SIZE:-1G}
runtime=${RUNTIME:-6}
work=$(mktemp -d /var/tmp/flashcopy-threads.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
. "$root/bench/lib/servers.sh" # free_port (BASE_PORT=N: the server's port is N)
image="$work/image.raw"
fio --name=fill --filename="$image" --size="$size" --rw=write --bs=1M --ioengine=psync --end_fsync=1 --output=/dev/null
port=$(free_port)
"$root/bin/flashcopy" serve --image-dir "$work" --data "$work/data" --listen "127.0.0.1:$port" --admin 127.0.0.1:0 >"$work/server.log" 2>&1 &
pid=$! # bin/flashcopy execs the JVM: the same pid
for _ in $(seq 600); do [ -f "$work/data/admin.json" ] && break; sleep 0.1; done
FLASHCOPY_NO_BUILD=1 FLASHCOPY_DATA="$work/data" "$root/bin/flashcopy" mkvol bench --file "$image" >/dev/null
uri="nbd://127.0.0.1:$port/bench"
for _ in 1 2 3; do
  # shellcheck disable=SC2086
  fio --name=warmup --ioengine=nbd --uri="$uri" $job --size="$size" --runtime=5 --time_based --output=/dev/null
done
"$root/bench/lib/settle-cache" "$image" "${CACHE:-pages}"

snapshot() { # one line per thread: name, user + system ticks, voluntary and involuntary context switches
  for t in /proc/"$pid"/task/*; do
    printf '%s %s %s %s\n' "$(tr ' ' _ <"$t/comm")" "$(awk '{print $14 + $15}' "$t/stat")" \
      "$(awk '/^voluntary_ctxt_switches/ {print $2}' "$t/status")" \
      "$(awk '/^nonvoluntary_ctxt_switches/ {print $2}' "$t/status")"
  done 2>/dev/null || true
}
snapshot >"$work/before"
# shellcheck disable=SC2086
fio --name=run --ioengine=nbd --uri="$uri" $job --size="$size" --runtime="$runtime" --time_based \
    --output-format=json --output="$work/run.json" >/dev/null
snapshot >"$work/after"

echo "job: $job (size $size, ${runtime} s, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$work" "$runtime" "$(getconf CLK_TCK)" <<'PY'
import collections, json, re, sys
work, runtime, hz = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
job = json.load(open(f"{work}/run.json"))["jobs"][0]
ios = job["read"]["total_ios"] + job["write"]["total_ios"]
print(f"{ios / runtime:.0f} requests/s; fio at {job['usr_cpu'] + job['sys_cpu']:.0f} % of a core")

def groups(path):
    g = collections.defaultdict(lambda: [0, 0, 0])
    for line in open(path):
        f = line.split()
        if len(f) == 4:
            name = re.sub(r"[-#_]?\d+$", "", f[0])  # nbd-io-7 -> nbd-io, GC_Thread#0 -> GC_Thread
            for i in range(3):
                g[name][i] += int(f[i + 1])
    return g

before, after = groups(f"{work}/before"), groups(f"{work}/after")
print(f"{'threads':28s} {'CPU-µs/request':>15s} {'busy (s/s)':>11s} {'sleeps/request':>15s} {'preempted/request':>18s}")
total = 0.0
for name in sorted(after, key=lambda n: before[n][0] - after[n][0]):
    d = [after[name][i] - before[name][i] for i in range(3)]
    if d[0] == 0 and d[1] < ios / 100:
        continue
    us = d[0] * 1e6 / hz / ios
    total += us
    print(f"{name:28s} {us:15.2f} {d[0] / hz / runtime:11.2f} {d[1] / ios:15.3f} {d[2] / ios:18.3f}")
print(f"{'all':28s} {total:15.2f}")
PY

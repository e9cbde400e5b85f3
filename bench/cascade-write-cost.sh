#!/usr/bin/env bash
# Source write cost with a cascade of 4 NOCOPY targets (bench -> c1 -> c2 -> c3 -> c4) against a single
# NOCOPY target (bench -> t1): fio randwrite 4k qd32 on the source over NBD, from the moment of establish
# (no ramp: the first write to each grain is the one that copies). The two setups alternate, ROUNDS times,
# starting with a different one each round, so drift in a noisy machine's load falls on both; the medians
# and every run are appended to bench/RESULTS.md ("Cascade write cost", replaced on each run).
#
#   bench/cascade-write-cost.sh                 # 3 rounds, 10 s per run, 1G image
#   ROUNDS=5 RUNTIME=20 SIZE=2G bench/cascade-write-cost.sh
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
runtime=${RUNTIME:-10}
size=${SIZE:-1G}
rounds=${ROUNDS:-3}
"$root/bin/install-clients" >/dev/null
work=$(mktemp -d /var/tmp/flashcopy-cascade-bench.XXXXXX)
fc_pid=
cleanup() {
  [ -n "$fc_pid" ] && kill "$fc_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
fc() { FLASHCOPY_DATA="$work/data" "$root/bin/flashcopy" "$@"; }

image="$work/image.raw"
echo "preparing a dense $size raw image at $image" >&2
fio --name=fill --filename="$image" --size="$size" --rw=write --bs=1M --ioengine=psync \
    --refill_buffers --end_fsync=1 --output=/dev/null

port=$(free_port)
"$root/bin/flashcopy" serve --image-dir "$work" --data "$work/data" --listen "127.0.0.1:$port" --admin 127.0.0.1:0 \
    >"$work/flashcopy.log" 2>&1 &
fc_pid=$!
for _ in $(seq 600); do [ -f "$work/data/admin.json" ] && break; sleep 0.1; done
fc mkvol bench --file "$image" >/dev/null
uri="nbd://127.0.0.1:$port/bench"
for _ in $(seq 200); do nbdinfo --size "$uri" >/dev/null 2>&1 && break; sleep 0.1; done
# The JIT compiles the hot path in the first seconds; a real server has long been warm.
fio --name=warmup --ioengine=nbd --uri="$uri" --rw=randrw --bs=4k --iodepth=32 --size="$size" \
    --runtime="${WARMUP:-5}" --time_based --output=/dev/null >/dev/null

results="$work/results.tsv"
: >"$results"
measure() { # setup-name
  fio --name=bench --ioengine=nbd --uri="$uri" --rw=randwrite --bs=4k --iodepth=32 --size="$size" \
      --runtime="$runtime" --time_based --output-format=json --output="$work/out.json" >/dev/null
  python3 - "$work/out.json" "$1" >>"$results" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["jobs"][0]["write"]
p99 = d["clat_ns"].get("percentile", {}).get("99.000000", 0) / 1000.0
print(f"{sys.argv[2]}\t{d['iops']:.0f}\t{d['bw_bytes'] / 1048576:.1f}\t{p99:.0f}")
PY
}
single() {
  fc mkflash --nocp bench:t1 >/dev/null
  measure "1 NOCOPY target"
  fc rmflash --force bench:t1 >/dev/null
  fc rmvol t1 >/dev/null
}
cascade() {
  fc mkflash --nocp bench:c1 >/dev/null
  fc mkflash --nocp c1:c2 >/dev/null
  fc mkflash --nocp c2:c3 >/dev/null
  fc mkflash --nocp c3:c4 >/dev/null
  measure "cascade of 4 NOCOPY targets"
  for pair in c3:c4 c2:c3 c1:c2 bench:c1; do fc rmflash --force "$pair" >/dev/null; done
  for v in c4 c3 c2 c1; do fc rmvol "$v" >/dev/null; done
}
for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then single; cascade; else cascade; single; fi
  echo "round $r done" >&2
done

python3 - "$results" "$root/bench/RESULTS.md" "$size" "$runtime" "$rounds" <<'PY'
import os, platform, re, statistics, subprocess, sys, time
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
names = ["1 NOCOPY target", "cascade of 4 NOCOPY targets"]
med = {n: statistics.median(float(r[1]) for r in rows if r[0] == n) for n in names}
p99 = {n: statistics.median(float(r[3]) for r in rows if r[0] == n) for n in names}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1 << 30)
out = ["## Cascade write cost", "",
       f"Written by `bench/cascade-write-cost.sh`: fio randwrite 4k qd32 on the source over NBD, "
       f"{sys.argv[4]} s per run from the moment of establish (no ramp), {sys.argv[3]} dense image, 64 KiB "
       f"grains, {sys.argv[5]} rounds alternating the two setups (starting with a different one each round).",
       f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
       f"- machine: {os.cpu_count()} cores, {mem} GiB, {platform.release()}, {cpu} (shared, noisy)", "",
       "| setup | median IOPS | median p99 µs | runs (IOPS) |", "|---|---|---|---|"]
for n in names:
    runs = ", ".join(r[1] for r in rows if r[0] == n)
    out.append(f"| source write, {n} | {med[n]:.0f} | {p99[n]:.0f} | {runs} |")
out += ["", f"cascade of 4 / 1 target (median IOPS): {med[names[1]] / med[names[0]]:.2f} "
        "(expected about 1.0: a source write copies into its newest target only, whatever hangs below it)", ""]
section = "\n".join(out)
text = open(sys.argv[2]).read()
text = re.sub(r"\n## Cascade write cost\n.*?(?=\n## |\Z)", "", text, flags=re.S).rstrip("\n")
open(sys.argv[2], "w").write(text + "\n\n" + section)
print(section)
PY

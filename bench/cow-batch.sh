#!/usr/bin/env bash
# Copy-on-write in runs vs grain by grain (-Dflashcopy.cowBatch=false), same build, same run: two servers
# side by side, each on its own copy of one dense image. Each round establishes a fresh NOCOPY target on
# both and measures, on each (alternating which goes first), the source write that copies:
#   - "seq write 1M qd8": the whole image written once in 1 MiB writes (16 grains of 64 KiB each: the
#     batched server copies each write's grains with one read and one write, the other with 16 of each);
#   - "randwrite 4k qd32": RUNTIME seconds of 4 KiB random writes (one grain per write: nothing to batch,
#     checks that batching costs the single-grain case nothing).
# Medians and every run are appended to bench/RESULTS.md ("Copy-on-write in runs", replaced on each run).
#
#   bench/cow-batch.sh                     # 3 rounds, 10 s random rows, 1G image
#   ROUNDS=5 SIZE=2G bench/cow-batch.sh
#   SAME=1 bench/cow-batch.sh              # A/A check: both servers copy in runs; the ratio shows the noise
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
runtime=${RUNTIME:-10}
size=${SIZE:-1G}
rounds=${ROUNDS:-3}
"$root/bin/install-clients" >/dev/null
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d /var/tmp/flashcopy-cowbatch-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "preparing two dense $size raw images in $work" >&2
# Both images made the same way (copies of one fio-written file), so neither server starts with a better
# laid-out or better cached image.
fio --name=fill --filename="$work/seed.raw" --size="$size" --rw=write --bs=1M --ioengine=psync \
    --refill_buffers --end_fsync=1 --output=/dev/null
cp "$work/seed.raw" "$work/on.raw"
cp "$work/seed.raw" "$work/off.raw"
rm "$work/seed.raw"
sync

declare -A uri
for mode in on off; do
  port=$(free_port)
  batch=true; [ "$mode" = off ] && [ "${SAME:-}" != 1 ] && batch=false
  FLASHCOPY_JAVA_OPTS="-Dflashcopy.cowBatch=$batch" "$root/bin/flashcopy" serve --image-dir "$work" --data "$work/data-$mode" \
      --listen "127.0.0.1:$port" --admin 127.0.0.1:0 >"$work/$mode.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 600); do [ -f "$work/data-$mode/admin.json" ] && break; sleep 0.1; done
  FLASHCOPY_DATA="$work/data-$mode" "$root/bin/flashcopy" mkvol bench --file "$work/$mode.raw" >/dev/null
  uri[$mode]="nbd://127.0.0.1:$port/bench"
  for _ in $(seq 200); do nbdinfo --size "${uri[$mode]}" >/dev/null 2>&1 && break; sleep 0.1; done
  fio --name=warmup --ioengine=nbd --uri="${uri[$mode]}" --rw=randrw --bs=4k --iodepth=32 --size="$size" \
      --runtime="${WARMUP:-5}" --time_based --output=/dev/null >/dev/null
done

results="$work/results.tsv"
: >"$results"
measure() { # mode row fio-args...
  local mode=$1 row=$2
  shift 2
  FLASHCOPY_DATA="$work/data-$mode" "$root/bin/flashcopy" mkflash --nocp bench:t >/dev/null
  fio --name=bench --ioengine=nbd --uri="${uri[$mode]}" "$@" --output-format=json --output="$work/out.json" >/dev/null
  FLASHCOPY_DATA="$work/data-$mode" "$root/bin/flashcopy" rmflash --force bench:t >/dev/null
  FLASHCOPY_DATA="$work/data-$mode" "$root/bin/flashcopy" rmvol t >/dev/null
  python3 - "$work/out.json" "$mode" "$row" >>"$results" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["jobs"][0]["write"]
p99 = d["clat_ns"].get("percentile", {}).get("99.000000", 0) / 1000.0
print(f"{sys.argv[2]}\t{sys.argv[3]}\t{d['iops']:.0f}\t{d['bw_bytes'] / 1048576:.1f}\t{p99:.0f}")
PY
}
for r in $(seq "$rounds"); do
  order="on off"; [ $((r % 2)) -eq 0 ] && order="off on"
  for mode in $order; do
    measure "$mode" "seq write 1M qd8" --rw=write --bs=1M --iodepth=8 --size="$size"
  done
  for mode in $order; do
    measure "$mode" "randwrite 4k qd32" --rw=randwrite --bs=4k --iodepth=32 --size="$size" \
        --runtime="$runtime" --time_based
  done
  echo "round $r done" >&2
done

python3 - "$results" "$root/bench/RESULTS.md" "$size" "$runtime" "$rounds" "$load_start" <<'PY'
import os, platform, re, statistics, sys, time
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
names = ["seq write 1M qd8", "randwrite 4k qd32"]
def med(mode, row, col):
    return statistics.median(float(r[col]) for r in rows if r[0] == mode and r[1] == row)
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1 << 30)
out = ["## Copy-on-write in runs", "",
       f"Written by `bench/cow-batch.sh`: source writes over NBD right after `mkflash --nocp` (every first "
       f"write to a 64 KiB grain copies it), {sys.argv[3]} dense image, {sys.argv[5]} rounds alternating the two "
       f"servers; `runs` = default, `grain by grain` = `-Dflashcopy.cowBatch=false`"
       f"{' (SAME=1: both copy in runs, an A/A check of the noise)' if os.environ.get('SAME') == '1' else ''}."
       f" The sequential row writes "
       f"the image once; the random row runs {sys.argv[4]} s.",
       f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average at start {sys.argv[6]}",
       f"- machine: {os.cpu_count()} cores, {mem} GiB, {platform.release()}, {cpu} (shared, noisy)", "",
       "| row | runs MiB/s | grain by grain MiB/s | ratio | runs p99 µs | grain by grain p99 µs | runs (MiB/s) |",
       "|---|---|---|---|---|---|---|"]
for n in names:
    on, off = med("on", n, 3), med("off", n, 3)
    runs = "on " + ", ".join(r[3] for r in rows if r[0] == "on" and r[1] == n) + "; off " + \
        ", ".join(r[3] for r in rows if r[0] == "off" and r[1] == n)
    out.append(f"| {n} | {on:.1f} | {off:.1f} | {on / off:.2f} | {med('on', n, 4):.0f} | {med('off', n, 4):.0f} "
               f"| {runs} |")
section = "\n".join(out) + "\n"
text = open(sys.argv[2]).read()
text = re.sub(r"\n## Copy-on-write in runs\n.*?(?=\n## |\Z)", "", text, flags=re.S).rstrip("\n")
open(sys.argv[2], "w").write(text + "\n\n" + section)
print(section)
PY

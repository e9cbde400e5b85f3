#!/usr/bin/env bash
# Where flashcopy's server spends its CPU next to nbdkit's file plugin, symbol by symbol, on one fio job:
# both servers on the same image, each profiled (perf record, kernel and user) while fio runs against it,
# then every symbol's CPU time per request (µs) side by side, sorted by what flashcopy spends more on, and
# the few where nbdkit spends more. Needs perf (Debian: linux-perf) and root or perf_event_paranoid <= 1.
#   JOB="--rw=write --bs=1M --iodepth=8" bench/profile-vs-nbdkit.sh
#   JOB=... PREP="--rw=randwrite --bs=4k --iodepth=32" bench/profile-vs-nbdkit.sh   # page cache left by 4 KiB writes
# SIZE (1G), RUNTIME (6 s), WARMUP (3 runs of the job on flashcopy first, for the JIT), FLASHCOPY_NO_BUILD=1 as
# for bin/flashcopy. The image is filled with 1 MiB writes first; PREP, if set, runs once on it before the servers;
# then its page cache is set to CACHE=pages (default) or folios, as bench/fio-vs-peers.sh does.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
job=${JOB:---rw=write --bs=1M --iodepth=8}
size=${SIZE:-1G}
runtime=${RUNTIME:-6}
if ! command -v perf >/dev/null; then
  echo "profile-vs-nbdkit: needs perf; install it (Debian: apt-get install linux-perf)" >&2
  exit 1
fi
work=$(mktemp -d /var/tmp/flashcopy-profile.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
image="$work/image.raw"
fio --name=fill --filename="$image" --size="$size" --rw=write --bs=1M --ioengine=psync --end_fsync=1 --output=/dev/null
if [ -n "${PREP:-}" ]; then
  # shellcheck disable=SC2086
  fio --name=prep --filename="$image" --size="$size" $PREP --ioengine=psync --runtime=10 --time_based --output=/dev/null
fi

# The page cache to one state before the servers start, as bench/fio-vs-peers.sh does (CACHE=pages or folios).
"$root/bench/lib/settle-cache" "$image" "${CACHE:-pages}"

port=$(free_port)
"$root/bin/flashcopy" serve --image-dir "$work" --data "$work/data" --listen "127.0.0.1:$port" --admin 127.0.0.1:0 >"$work/server.log" 2>&1 &
fc_pid=$!
pids+=($fc_pid)
for _ in $(seq 600); do [ -f "$work/data/admin.json" ] && break; sleep 0.1; done
FLASHCOPY_NO_BUILD=1 FLASHCOPY_DATA="$work/data" "$root/bin/flashcopy" mkvol bench --file "$image" >/dev/null
nk_port=$(free_port)
nbdkit -f -p "$nk_port" -i 127.0.0.1 file "$image" &
nk_pid=$!
pids+=($nk_pid)
for _ in $(seq 100); do nbdinfo --size "nbd://127.0.0.1:$nk_port/" >/dev/null 2>&1 && break; sleep 0.1; done

for _ in $(seq "${WARMUP:-3}"); do
  # shellcheck disable=SC2086
  fio --name=warmup --ioengine=nbd --uri="nbd://127.0.0.1:$port/bench" $job --size="$size" --runtime=5 \
      --time_based --output=/dev/null
done
for s in "flashcopy|$fc_pid|nbd://127.0.0.1:$port/bench" "nbdkit|$nk_pid|nbd://127.0.0.1:$nk_port/"; do
  name=${s%%|*}; rest=${s#*|}; pid=${rest%%|*}; uri=${rest#*|}
  perf record -F 999 -g -p "$pid" -o "$work/$name.data" -- sleep "$runtime" >/dev/null 2>&1 &
  perf_pid=$!
  # shellcheck disable=SC2086
  fio --name=profile --ioengine=nbd --uri="$uri" $job --size="$size" --runtime="$runtime" --time_based \
      --output-format=json --output="$work/$name.json" >/dev/null
  wait "$perf_pid" || true
  perf report -i "$work/$name.data" --no-children --sort sym --stdio -g none >"$work/$name.txt" 2>/dev/null
done

echo "job: $job (size $size, ${runtime} s each, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$work" <<'PY'
import json, re, sys
work = sys.argv[1]
res = {}
for name in ("flashcopy", "nbdkit"):
    job = json.load(open(f"{work}/{name}.json"))["jobs"][0]
    ios = job["read"]["total_ios"] + job["write"]["total_ios"]
    text = open(f"{work}/{name}.txt").read()
    # cpu-clock samples: the event count is in nanoseconds of CPU time.
    total_us = float(re.search(r"Event count \(approx.\): (\d+)", text).group(1)) / 1000
    syms = {}
    for line in text.splitlines():
        m = re.match(r"\s+([\d.]+)%\s+\[[.k]\]\s+(.*\S)", line)
        if m:
            syms[m.group(2)] = syms.get(m.group(2), 0) + float(m.group(1)) / 100 * total_us / ios
    res[name] = (ios, total_us / ios, syms)
fc, nk = res["flashcopy"], res["nbdkit"]
print(f"flashcopy: {fc[0]} requests, {fc[1]:.1f} CPU-µs each; nbdkit: {nk[0]} requests, {nk[1]:.1f} CPU-µs each")
keys = sorted(set(fc[2]) | set(nk[2]), key=lambda k: nk[2].get(k, 0) - fc[2].get(k, 0))
print("\nµs per request   flashcopy   nbdkit   symbol (flashcopy spends more)")
for k in keys[:20]:
    print(f"{'':16s} {fc[2].get(k, 0):9.2f} {nk[2].get(k, 0):8.2f}   {k}")
print("\nµs per request   flashcopy   nbdkit   symbol (nbdkit spends more)")
for k in reversed(keys[-8:]):
    print(f"{'':16s} {fc[2].get(k, 0):9.2f} {nk[2].get(k, 0):8.2f}   {k}")
PY

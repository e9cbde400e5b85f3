#!/usr/bin/env bash
# Several flashcopy server configurations (JVM flags) side by side on one image, every row run on all
# of them back to back in rotating order; prints IOPS, p99, the server's CPU per request and how busy fio was.
# COW=1 re-establishes a fresh NOCOPY target before each run (copy-on-write source writes).
# NBDKIT=1 adds nbdkit's file plugin on the same image as one more column (the peer to beat; not with COW=1).
#   CONFIGS="pool|-Dflashcopy.dispatcher=pool;dis4|-Dflashcopy.dispatcher=disruptor -Dflashcopy.ioStages=4" bench/compare-configs.sh
#   ROWS="name|fio args" (one per line) replaces the default 4 KiB and 1 MiB rows; FLASHCOPY_NO_BUILD=1 as for bin/flashcopy.
#   BASE_PORT=N: the servers' ports from N up (else ports the kernel picks).
#   CACHE=pages (default) or folios: the page-cache state every run starts from (see bench/fio-vs-peers.sh).
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
runtime=${RUNTIME:-8}
size=${SIZE:-1G}
rounds=${ROUNDS:-2}
work=$(mktemp -d /var/tmp/flashcopy-configs.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
. "$root/bench/lib/servers.sh" # free_port (BASE_PORT=N: ports from N up)
image="$work/image.raw"
fio --name=fill --filename="$image" --size="$size" --rw=write --bs=1M --ioengine=psync --refill_buffers --end_fsync=1 --output=/dev/null
IFS=';' read -ra configs <<<"$CONFIGS"
uris=()
n=0
for c in "${configs[@]}"; do
  name=${c%%|*}; opts=${c#*|}; port=$(free_port)
  FLASHCOPY_NO_BUILD=1 FLASHCOPY_JAVA_OPTS="$opts" "$root/bin/flashcopy" serve --image-dir "$work" --data "$work/d$n" --listen "127.0.0.1:$port" --admin 127.0.0.1:0 >"$work/s$n.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 600); do [ -f "$work/d$n/admin.json" ] && break; sleep 0.1; done
  FLASHCOPY_NO_BUILD=1 FLASHCOPY_DATA="$work/d$n" "$root/bin/flashcopy" mkvol bench --file "$image" >/dev/null
  uris+=("$name|nbd://127.0.0.1:$port/bench|$n|${pids[-1]}")
  n=$((n+1))
done
if [ "${NBDKIT:-0}" = 1 ]; then
  port=$(free_port)
  nbdkit -f -p "$port" -i 127.0.0.1 file "$image" &
  pids+=($!)
  uris+=("nbdkit|nbd://127.0.0.1:$port/|-|${pids[-1]}")
  for _ in $(seq 100); do nbdinfo --size "nbd://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
fi
default_rows="randread 4k qd32|--rw=randread --bs=4k --iodepth=32
randwrite 4k qd32|--rw=randwrite --bs=4k --iodepth=32
read 1M qd8|--rw=read --bs=1M --iodepth=8
write 1M qd8|--rw=write --bs=1M --iodepth=8"
mapfile -t rows <<<"${ROWS:-$default_rows}"
for s in "${uris[@]}"; do
  s=${s%|*}; s=${s%|*}
  fio --name=w --ioengine=nbd --uri="${s#*|}" --rw=randrw --bs=4k --iodepth=32 --size="$size" --runtime=5 --time_based --output=/dev/null
  fio --name=w --ioengine=nbd --uri="${s#*|}" --rw=rw --bs=1M --iodepth=8 --size="$size" --runtime=4 --time_based --output=/dev/null
done
echo "load: $(uptime)"
for r in $(seq "$rounds"); do
  i=0
  for row in "${rows[@]}"; do
    for k in $(seq 0 $(( ${#uris[@]} - 1 ))); do
      s=${uris[$(( (i + k + r) % ${#uris[@]} ))]}
      spid=${s##*|}; s=${s%|*}; dn=${s##*|}; s=${s%|*}
      ramp=1
      if [ "${COW:-0}" = 1 ]; then
        fcd() { FLASHCOPY_NO_BUILD=1 FLASHCOPY_DATA="$work/d$dn" "$root/bin/flashcopy" "$@"; }
        if fcd lsflash 2>/dev/null | grep -q c1; then fcd rmflash --force bench:c1 >/dev/null; fcd rmvol c1 >/dev/null; fi
        fcd mkflash --nocp bench:c1 >/dev/null
        ramp=0
      fi
      # The page cache to one state before every run, as bench/fio-vs-peers.sh does (CACHE=pages or folios).
      "$root/bench/lib/settle-cache" "$image" "${CACHE:-pages}"
      c0=$(awk '{print $14+$15}' /proc/$spid/stat)
      # shellcheck disable=SC2086
      fio --name=b --ioengine=nbd --uri="${s#*|}" ${row#*|} --size="$size" --runtime="$runtime" --time_based --ramp_time=$ramp --output-format=json --output="$work/o.json" >/dev/null
      c1=$(awk '{print $14+$15}' /proc/$spid/stat)
      python3 - "$work/o.json" "${s%%|*}" "${row%%|*}" "$((c1 - c0))" "$runtime" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
d = j["read"] if j["read"]["io_bytes"] > 0 else j["write"]
p99 = d["clat_ns"].get("percentile", {}).get("99.000000", 0) / 1000.0
cpu_us = int(sys.argv[4]) * 10000 / (d['iops'] * (int(sys.argv[5]) + 1))
client = j['usr_cpu'] + j['sys_cpu']
print(f"{sys.argv[3]:28s} {sys.argv[2]:10s} {d['iops']:9.0f} IOPS {d['bw_bytes']/1048576:8.1f} MiB/s p99 {p99:7.0f} us  server {cpu_us:6.1f} cpu-us/op  fio {client:3.0f} % cpu")
PY
    done
    i=$((i+1))
  done
done
echo "load: $(uptime)"

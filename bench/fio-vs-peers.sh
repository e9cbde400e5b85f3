#!/usr/bin/env bash
# One run, same image, same fio jobs: flashcopy vs nbdkit (file plugin) vs qemu-nbd.
# Prints a table (IOPS, MiB/s, p99 latency, ratio flashcopy / best peer) and writes it, with the
# machine and date, to bench/RESULTS.md. These machines are noisy: compare only within one run.
#
#   bench/fio-vs-peers.sh            # 10 s per row
#   RUNTIME=30 bench/fio-vs-peers.sh
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
runtime=${RUNTIME:-10}
size=${SIZE:-1G}
"$root/bin/install-clients"
work=$(mktemp -d /var/tmp/flashcopy-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do nbdinfo --size "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "server at $1 did not come up" >&2; exit 1; }

image="$work/image.raw"
echo "preparing a dense $size raw image at $image" >&2
fio --name=fill --filename="$image" --size="$size" --rw=write --bs=1M --ioengine=psync \
    --refill_buffers --end_fsync=1 --output=/dev/null

# name | fio arguments
rows=(
  "randread 4k qd32|--rw=randread --bs=4k --iodepth=32"
  "randwrite 4k qd32|--rw=randwrite --bs=4k --iodepth=32"
  "read 1M qd8|--rw=read --bs=1M --iodepth=8"
  "write 1M qd8|--rw=write --bs=1M --iodepth=8"
)

results="$work/results.tsv"
: >"$results"
run_rows() { # server-name uri
  for row in "${rows[@]}"; do
    name=${row%%|*}; args=${row#*|}
    # shellcheck disable=SC2086
    fio --name=bench --ioengine=nbd --uri="$2" $args --size="$size" --runtime="$runtime" --time_based \
        --ramp_time=2 --output-format=json --output="$work/out.json" >/dev/null
    python3 - "$work/out.json" "$1" "$name" >>"$results" <<'PY'
import json, sys
job = json.load(open(sys.argv[1]))["jobs"][0]
side = "read" if job["read"]["io_bytes"] > 0 else "write"
d = job[side]
p99 = d["clat_ns"].get("percentile", {}).get("99.000000", 0) / 1000.0
print(f"{sys.argv[2]}\t{sys.argv[3]}\t{d['iops']:.0f}\t{d['bw_bytes'] / 1048576:.1f}\t{p99:.0f}")
PY
  done
}

# flashcopy
port=$(free_port)
FLASHCOPY_JAVA_OPTS=${FLASHCOPY_JAVA_OPTS:-} "$root/bin/flashcopy" serve --data "$work/data" \
    --listen "127.0.0.1:$port" --admin 127.0.0.1:0 >"$work/flashcopy.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do [ -f "$work/data/admin.json" ] && break; sleep 0.1; done
FLASHCOPY_DATA="$work/data" "$root/bin/flashcopy" mkvol bench --file "$image" >/dev/null
wait_port "nbd://127.0.0.1:$port/bench"
echo "running flashcopy" >&2
run_rows flashcopy "nbd://127.0.0.1:$port/bench"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

# nbdkit file plugin
port=$(free_port)
nbdkit -f -p "$port" -i 127.0.0.1 file "$image" &
pids+=($!)
wait_port "nbd://127.0.0.1:$port/"
echo "running nbdkit" >&2
run_rows nbdkit "nbd://127.0.0.1:$port/"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

# qemu-nbd
port=$(free_port)
qemu-nbd -f raw -b 127.0.0.1 -p "$port" -x bench --persistent --shared=16 "$image" &
pids+=($!)
wait_port "nbd://127.0.0.1:$port/bench"
echo "running qemu-nbd" >&2
run_rows qemu-nbd "nbd://127.0.0.1:$port/bench"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

table=$(python3 - "$results" <<'PY'
import sys, collections
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    server, name, iops, mib, p99 = line.rstrip("\n").split("\t")
    rows.setdefault(name, {})[server] = (float(iops), float(mib), float(p99))
print("| job | flashcopy IOPS | MiB/s | p99 µs | nbdkit IOPS | MiB/s | p99 µs | qemu-nbd IOPS | MiB/s | p99 µs | flashcopy / best peer |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for name, s in rows.items():
    fc = s["flashcopy"]; nk = s["nbdkit"]; qn = s["qemu-nbd"]
    best = max(nk[0], qn[0])
    cells = [name]
    for v in (fc, nk, qn):
        cells += [f"{v[0]:.0f}", f"{v[1]:.0f}", f"{v[2]:.0f}"]
    cells.append(f"{fc[0] / best:.2f}")
    print("| " + " | ".join(cells) + " |")
PY
)
echo "$table"

machine="$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
{
  echo "# Benchmark results"
  echo
  echo "Written by \`bench/fio-vs-peers.sh\` (one run, every server on the same $size dense raw image,"
  echo "fio \`--ioengine=nbd\`, ${runtime} s per row after a 2 s ramp). Ratios compare within this run only."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $machine"
  echo "- peers: $(nbdkit --version 2>&1 | head -1), $(qemu-nbd --version | head -1)"
  echo
  echo "## Plain export"
  echo
  echo "$table"
} >"$root/bench/RESULTS.md"
echo "written to bench/RESULTS.md" >&2

#!/usr/bin/env bash
# A/B of inline writes (-Dflashcopy.inlineWrites): two flashcopy servers, one with plain writes done on the event
# loop and one without, and nbdkit (file plugin) as the yardstick, side by side on one dense raw image. Each row
# runs in rounds with the first server rotating; the table gives medians, each round's ratios and the servers' CPU
# per request. Prints the table; bench/RESULTS.md gets it by hand, with the load average printed here.
#
#   bench/inline-writes-ab.sh                       # 3 rounds of 6 s (+2 s ramp) a server and row
#   ROUNDS=5 INLINE=131072 bench/inline-writes-ab.sh
#   FLASHCOPY_NO_BUILD=1 bench/inline-writes-ab.sh  # use the jar already built (mvn -pl tools -am package)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
runtime=${RUNTIME:-6}
rounds=${ROUNDS:-3}
size=${SIZE:-1G}
inline=${INLINE:-1048576}
base_port=${BASE_PORT:-0} # 0: ports the kernel picks
work=$(mktemp -d /var/tmp/flashcopy-inline.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port() { # n: the n-th port from BASE_PORT, or a free one
  if [ "$base_port" != 0 ]; then echo $((base_port + $1)); return; fi
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() { for _ in $(seq 300); do nbdinfo --size "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "server at $1 did not come up" >&2; exit 1; }
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

image="$work/image.raw"
fio --name=fill --filename="$image" --size="$size" --rw=write --bs=1M --ioengine=psync \
    --refill_buffers --end_fsync=1 --output=/dev/null

rows=(
  "randwrite 4k qd32|--rw=randwrite --bs=4k --iodepth=32"
  "write 1M qd8|--rw=write --bs=1M --iodepth=8"
  "randwrite 4k qd1|--rw=randwrite --bs=4k --iodepth=1"
  "randwrite 4k 4 conns qd8|--rw=randwrite --bs=4k --iodepth=8 --numjobs=4 --group_reporting"
)

if [ -n "${ONLY:-}" ]; then # ONLY=REGEX: just the rows whose names match
  kept=(); for r in "${rows[@]}"; do [[ ${r%%|*} =~ $ONLY ]] && kept+=("$r"); done; rows=("${kept[@]}")
fi

start_flashcopy() { # name port java-opts
  mkdir -p "$work/$1"
  FLASHCOPY_JAVA_OPTS="$3" "$root/bin/flashcopy" serve --image-dir "$work" --data "$work/$1" \
      --listen "127.0.0.1:$2" --admin 127.0.0.1:0 >"$work/$1.log" 2>&1 &
  pids+=($!)
  eval "pid_$1=$!"
  for _ in $(seq 600); do [ -f "$work/$1/admin.json" ] && break; sleep 0.1; done
  FLASHCOPY_DATA="$work/$1" "$root/bin/flashcopy" mkvol bench --file "$image" >/dev/null
}
p_on=$(port 1); p_off=$(port 2); p_nk=$(port 3)
start_flashcopy on "$p_on" "-Dflashcopy.inlineWrites=$inline"
start_flashcopy off "$p_off" "-Dflashcopy.inlineWrites=0"
nbdkit -f -p "$p_nk" -i 127.0.0.1 file "$image" &
pid_nbdkit=$!
pids+=($pid_nbdkit)
servers=("inline|nbd://127.0.0.1:$p_on/bench|$pid_on" "lane|nbd://127.0.0.1:$p_off/bench|$pid_off"
  "nbdkit|nbd://127.0.0.1:$p_nk/|$pid_nbdkit")
for s in "${servers[@]}"; do
  uri=$(cut -d'|' -f2 <<<"$s")
  wait_port "$uri"
  for w in "--rw=randwrite --bs=4k --iodepth=32" "--rw=write --bs=1M --iodepth=8"; do # JIT warm-up, not recorded
    # shellcheck disable=SC2086
    fio --name=warmup --ioengine=nbd --uri="$uri" $w --size="$size" --runtime=4 --time_based --output=/dev/null >/dev/null
  done
done

results="$work/results.tsv"
: >"$results"
i=0
for row in "${rows[@]}"; do
  for round in $(seq "$rounds"); do
    echo "running ${row%%|*}, round $round of $rounds" >&2
    for k in 0 1 2; do
      s=${servers[$(( (i + k + round) % 3 ))]}
      IFS='|' read -r name uri spid <<<"$s"
      "$root/bench/lib/settle-cache" "$image" pages
      c0=$(awk '{print $14 + $15}' "/proc/$spid/stat")
      # shellcheck disable=SC2086
      fio --name=bench --ioengine=nbd --uri="$uri" ${row#*|} --size="$size" --runtime="$runtime" --time_based \
          --ramp_time=2 --output-format=json --output="$work/out.json" >/dev/null
      c1=$(awk '{print $14 + $15}' "/proc/$spid/stat")
      python3 - "$work/out.json" "$name" "${row%%|*}" "$round" "$((c1 - c0))" "$((runtime + 2))" "$(getconf CLK_TCK)" \
          >>"$results" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["jobs"][0]["write"]
ticks, seconds, hz = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
us = ticks * 1e6 / hz / (d["iops"] * seconds) if d["iops"] else 0
print(f"{sys.argv[2]}\t{sys.argv[3]}\t{d['iops']:.0f}\t{sys.argv[4]}\t{us:.1f}")
PY
    done
  done
  i=$((i + 1))
done
# How long the inline server's writes held its event loops, from its /metrics (every try, taken or not).
python3 - "$work/on/admin.json" <<'PY'
import json, sys, urllib.request
admin = json.load(open(sys.argv[1]))
req = urllib.request.Request(admin["url"] + "/metrics", headers={"Authorization": "Bearer " + admin["readToken"]})
rows = [l for l in urllib.request.urlopen(req).read().decode().splitlines()
        if l.startswith("flashcopy_nbd_loop_hold_seconds_bucket") and 'command="write"' in l]
buckets = [(l.split('le="')[1].split('"')[0], int(float(l.rsplit(" ", 1)[1]))) for l in rows]
total = buckets[-1][1]
print(f"inline write tries on the loop: {total}; held the loop at most (cumulative share):")
print(", ".join(f"{le} s: {n / total:.5f}" for le, n in buckets if total) + f"; above 10 ms: {total - dict(buckets)['0.01']}")
PY
echo "load average: start $load_start, end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: ROUNDS=$rounds RUNTIME=$runtime SIZE=$size INLINE=$inline bench/inline-writes-ab.sh"
python3 - "$results" <<'PY'
import sys, statistics, collections
runs = collections.OrderedDict()
for line in open(sys.argv[1]):
    server, row, iops, rnd, us = line.rstrip("\n").split("\t")
    runs.setdefault(row, {}).setdefault(server, {})[rnd] = (float(iops), float(us))
print("| job | inline IOPS | µs CPU/req | lane IOPS | µs CPU/req | nbdkit IOPS | µs CPU/req | inline / lane | inline / nbdkit "
      "| lane / nbdkit | each round: inline / nbdkit, lane / nbdkit |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for row, s in runs.items():
    med = {k: (statistics.median(v[0] for v in s[k].values()), statistics.median(v[1] for v in s[k].values()))
           for k in s}
    each = "; ".join(f"{s['inline'][r][0] / s['nbdkit'][r][0]:.2f}, {s['lane'][r][0] / s['nbdkit'][r][0]:.2f}"
                     for r in s["inline"])
    print(f"| {row} | {med['inline'][0]:.0f} | {med['inline'][1]:.1f} | {med['lane'][0]:.0f} | {med['lane'][1]:.1f} "
          f"| {med['nbdkit'][0]:.0f} | {med['nbdkit'][1]:.1f} | {med['inline'][0] / med['lane'][0]:.2f} "
          f"| {med['inline'][0] / med['nbdkit'][0]:.2f} | {med['lane'][0] / med['nbdkit'][0]:.2f} | {each} |")
PY
cp "$results" "${KEEP_TSV:-/dev/null}" 2>/dev/null || true

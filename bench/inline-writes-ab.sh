#!/usr/bin/env bash
# A/B of inline writes (-Dflashcopy.inlineWrites): two flashcopy servers, one with plain writes done on the event
# loop and one without, and nbdkit (file plugin) as the yardstick, side by side on one dense raw image. Each row
# runs in rounds with the first server rotating; the table gives medians, each round's ratios and the servers' CPU
# per request. Prints the table; bench/RESULTS.md gets it by hand, with the load average printed here.
#
#   bench/inline-writes-ab.sh                       # 3 rounds of 6 s (+2 s ramp) a server and row
#   ROUNDS=5 INLINE=131072 bench/inline-writes-ab.sh
# The servers run from tools/target as built; bench/lib/servers.sh builds what is missing first.
# BASE_PORT=N: their ports from N up (else ports the kernel picks).
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
runtime=${RUNTIME:-6}
rounds=${ROUNDS:-3}
size=${SIZE:-1G}
inline=${INLINE:-1048576}
work=$(mktemp -d /var/tmp/flashcopy-inline.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
. "$root/bench/lib/servers.sh" # free_port (BASE_PORT), wait_uri, start_flashcopy, cpu_ticks
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

p_on=$(free_port); p_off=$(free_port); p_nk=$(free_port)
start_flashcopy on "127.0.0.1:$p_on" "-Dflashcopy.inlineWrites=$inline"
pid_on=$flashcopy_pid
start_flashcopy off "127.0.0.1:$p_off" "-Dflashcopy.inlineWrites=0"
pid_off=$flashcopy_pid
nbdkit -f -p "$p_nk" -i 127.0.0.1 file "$image" &
pid_nbdkit=$!
pids+=($pid_nbdkit)
servers=("inline|nbd://127.0.0.1:$p_on/bench|$pid_on" "lane|nbd://127.0.0.1:$p_off/bench|$pid_off"
  "nbdkit|nbd://127.0.0.1:$p_nk/|$pid_nbdkit")
for s in "${servers[@]}"; do
  uri=$(cut -d'|' -f2 <<<"$s")
  wait_uri "$uri"
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
      c0=$(cpu_ticks "$spid")
      # shellcheck disable=SC2086
      fio --name=bench --ioengine=nbd --uri="$uri" ${row#*|} --size="$size" --runtime="$runtime" --time_based \
          --ramp_time=2 --output-format=json --output="$work/out.json" >/dev/null
      c1=$(cpu_ticks "$spid")
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
python3 - "$work/on/data/admin.json" <<'PY'
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

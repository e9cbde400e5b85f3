#!/usr/bin/env bash
# FlashCopy operations timed end to end against the real server (issue 4 bench rows):
#  (a) resyncflash after changing 1 % of a dense 4 GiB volume (grains marked and copied, seconds to a
#      complete copy) against a full copy of the same volume (a fresh mkflash COPY + wait);
#  (b) a consistency group of 32 volumes: mkflash --freeze over 32 pairs, then unfreezeflash, wall time,
#      and how long a writer's write to a frozen source was held (libnbd writer on the first source).
# Appends a section to bench/RESULTS.md. These machines are noisy and shared: report as measured.
#
#   bench/flash-ops.sh                    # SIZE=4G ROUNDS=5
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
size=${SIZE:-4G}
rounds=${ROUNDS:-5}
groups=${GROUP:-32}
export PATH="/usr/bin:$PATH" # Debian's python3 has the libnbd module
work=$(mktemp -d /var/tmp/flashcopy-flashops.XXXXXX)
fc_pid=
cleanup() {
  [ -n "$fc_pid" ] && kill "$fc_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }
fc() { FLASHCOPY_DATA="$work/data" "$root/bin/flashcopy" "$@"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)[0]['$1'])"; }
# Times one admin API call (no JVM start) made while PAIR's copy rate is 1 MiB/s, so its answer counts every
# grain it marked; then lifts the rate limit and polls until PAIR has nothing left to copy (or has ended).
# Prints: seconds of the call, grains to copy in its answer, seconds from the call until the copy was complete.
timed_copy() { # METHOD PATH BODY PAIR
  python3 - "$work/data/admin.json" "$@" <<'PY'
import json, sys, time, urllib.request, urllib.error
admin = json.load(open(sys.argv[1]))
method, path, body, pair = sys.argv[2:6]
def call(method, path, body=None):
    req = urllib.request.Request(admin["url"] + path, method=method, data=body.encode() if body else None,
                                 headers={"Authorization": "Bearer " + admin["token"],
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
t0 = time.monotonic()
answer = call(method, path, body)
t1 = time.monotonic()
marked = answer["relationships"][0]["outOfSyncGrains"]
call("POST", "/v1/relationships/" + pair + "/rate", '{"rateMiBps":0}')
while True:
    try:
        rel = call("GET", "/v1/relationships/" + pair)["relationships"][0]
        if rel["outOfSyncGrains"] == 0:
            break
    except urllib.error.HTTPError as e:
        if e.code != 404:
            raise
        break
    time.sleep(0.01)
print(f"{t1 - t0:.3f} {marked} {time.monotonic() - t0:.3f}")
PY
}

image="$work/src.raw"
echo "preparing a dense $size raw image" >&2
fio --name=fill --filename="$image" --size="$size" --rw=write --bs=1M --ioengine=psync --refill_buffers \
    --end_fsync=1 --output=/dev/null
"$root/bin/flashcopy" serve --image-dir "$work" --data "$work/data" --listen 127.0.0.1:0 --admin 127.0.0.1:0 >"$work/serve.log" 2>&1 &
fc_pid=$!
for _ in $(seq 600); do [ -f "$work/data/admin.json" ] && break; sleep 0.1; done
nbd=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['nbd'])" "$work/data/admin.json")
fc mkvol src --file "$image" >/dev/null

# (a) resync after 1 % changed, against a full copy
fc mkflash --record src:inc >/dev/null
fc wait src:inc >/dev/null
total=$(fc lsflash --json src:inc | field totalGrains)
change=$(( total / 100 ))
# 1 % of the grains, each written once in full (64 KiB at a grain-aligned random offset, fixed seed).
fio --name=change --ioengine=nbd --uri="nbd://$nbd/src" --rw=randwrite --bs=64k --number_ios="$change" \
    --randseed=4 --size="$size" --output=/dev/null
changed=$(fc lsflash --json src:inc | field changedSourceGrains)
curl -sf -o /dev/null -H "Authorization: Bearer $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['token'])" \
    "$work/data/admin.json")" -d '{"rateMiBps":1}' \
    "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['url'])" "$work/data/admin.json")/v1/relationships/src:inc/rate"
read -r resync_call marked resync_total < <(timed_copy POST /v1/relationships/resync \
    '{"pairs":["src:inc"],"record":true,"persistent":true}' src:inc)
read -r full_call full_marked full_total < <(timed_copy POST /v1/relationships '{"pairs":["src:full"],"rateMiBps":1}' src:full)
# The same through the CLI, JVM starts included.
fio --name=change --ioengine=nbd --uri="nbd://$nbd/src" --rw=randwrite --bs=64k --number_ios="$change" \
    --randseed=5 --size="$size" --output=/dev/null
t0=$(now)
fc resyncflash --record --persist src:inc >/dev/null
fc wait src:inc >/dev/null
cli_resync=$(secs "$t0" "$(now)")
t0=$(now)
fc mkflash src:full2 >/dev/null
fc wait src:full2 >/dev/null
cli_full=$(secs "$t0" "$(now)")
fc rmflash --force src:inc >/dev/null

# (b) 32-volume consistency group: one writer on v1 logs every write's start and end.
pairs=()
for i in $(seq "$groups"); do
  fc mkvol "v$i" --size 64M >/dev/null
  pairs+=("v$i:c$i")
done
freeze_rows=()
api_freeze() { # PAIRS...: mkflash --freeze then unfreeze through the admin API; prints both call times
  python3 - "$work/data/admin.json" "$@" <<'PY'
import json, sys, time, urllib.request
admin = json.load(open(sys.argv[1]))
def call(path, body):
    req = urllib.request.Request(admin["url"] + path, method="POST", data=json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + admin["token"]})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
t0 = time.monotonic()
call("/v1/relationships", {"pairs": sys.argv[2:], "mode": "nocopy", "freeze": True})
t1 = time.monotonic()
call("/v1/freezes/unfreeze", {})
print(f"{t1 - t0:.3f} {time.monotonic() - t1:.3f} {time.monotonic() - t0:.3f}")
PY
}
for r in $(seq "$rounds"); do
  for via in cli api; do
    rm -f "$work/stop" "$work/lat.log"
    python3 "$root/it/src/test/python/seq_writers.py" latency "nbd://$nbd/v1" "$work/stop" "$work/lat.log" &
    writer=$!
    for _ in $(seq 300); do [ -s "$work/lat.log" ] && break; sleep 0.05; done
    sleep 0.5
    if [ "$via" = cli ]; then
      t0=$(now)
      fc mkflash --nocp --freeze "${pairs[@]}" >/dev/null
      t1=$(now)
      fc unfreezeflash >/dev/null
      t2=$(now)
      times="$(secs "$t0" "$t1") | $(secs "$t1" "$t2") | $(secs "$t0" "$t2")"
    else
      read -r a b c < <(api_freeze "${pairs[@]}")
      times="$a | $b | $c"
    fi
    sleep 0.5
    touch "$work/stop"
    wait "$writer"
    held=$(python3 - "$work/lat.log" <<'PY'
import sys
worst = max(int(e) - int(s) for _, s, e in (l.split() for l in open(sys.argv[1])))
print(f"{worst / 1e9:.3f}")
PY
)
    freeze_rows+=("| $r | $via | $times | $held |")
    for p in "${pairs[@]}"; do fc rmflash --force "$p" >/dev/null; done
  done
done

{
  echo
  echo "# FlashCopy operations (bench/flash-ops.sh)"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end (shared, noisy)"
  echo "- command: \`SIZE=$size ROUNDS=$rounds bench/flash-ops.sh\`; setup runs the real \`bin/flashcopy\` CLI, the"
  echo "  timed steps are as each table says (a CLI call includes a JVM start, one to several seconds on this machine)"
  echo
  echo "## resyncflash after changing 1 % of a $size volume, against a full copy"
  echo
  echo "A dense $size image, \`mkflash --record src:inc\` + \`wait\`; then fio writes $change random 64 KiB grains"
  echo "(1 % of $total) on the source; \`resyncflash --record --persist src:inc\` + \`wait\`, against"
  echo "\`mkflash src:full\` + \`wait\` (COPY, every grain) of the same volume."
  echo
  echo "Timed through the admin API: the call made at a 1 MiB/s copy rate (so its answer counts the grains it"
  echo "marked), the rate limit lifted, then lsflash polled every 10 ms until nothing is left to copy; the last"
  echo "column is a second run of each through the CLI (\`resyncflash\` + \`wait\`, \`mkflash\` + \`wait\`), JVM starts included."
  echo
  echo "| operation | grains changed before (lsflash) | grains to copy | call (s) | seconds to a complete copy | CLI, same again (s) |"
  echo "|---|---|---|---|---|---|"
  echo "| resyncflash (1 % changed) | $changed | $marked | $resync_call | $resync_total | $cli_resync |"
  echo "| full copy (fresh mkflash COPY) | - | $full_marked | $full_call | $full_total | $cli_full |"
  echo
  echo "## Consistency group of $groups volumes: mkflash --freeze, then unfreezeflash"
  echo
  echo "$groups volumes of 64 MiB, \`mkflash --nocp --freeze v1:c1 ... v$groups:c$groups\` then \`unfreezeflash\` at"
  echo "once; a libnbd writer writes 4 KiB to v1 every 5 ms; \"longest write\" is its slowest write in the round,"
  echo "the one the freeze held. Pairs are withdrawn between rounds."
  echo
  echo "Each round runs once through the CLI (JVM starts included) and once through the admin API"
  echo "(\`POST /v1/relationships\` with \`freeze\`, then \`POST /v1/freezes/unfreeze\`, from Python)."
  echo
  echo "| round | via | mkflash --freeze (s) | unfreezeflash (s) | freeze to unfreeze, wall (s) | longest write on v1 (s) |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${freeze_rows[@]}"
} | tee -a "$root/bench/RESULTS.md"

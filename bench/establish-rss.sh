#!/usr/bin/env bash
# Issue 5's establish and memory figures, on a fresh data directory:
#  - mkflash of a 16 TiB sparse source: time of the admin API call (best and median of 7), and the
#    wall time of the `flashcopy mkflash` command (which adds a JVM start);
#  - RSS of the server holding 16 sparse volumes of 1 TiB, each the source of a NOCOPY relationship
#    (16 relationships, 16 more 1 TiB targets), idle and after 4 KiB random writes to every source.
# Prints a small Markdown section; bench/RESULTS.md keeps the last one by hand.
#
# ext4 (4 KiB blocks) caps a file at 16 TiB - 4 KiB, so a 16 TiB image needs another file system:
# the data directory goes to tmpfs (/dev/shm, where sparse files cost nothing) unless DIR says
# otherwise; BIG sets the big source's size (default 16T).
#   bench/establish-rss.sh                       # 16 TiB on /dev/shm
#   DIR=/var/tmp BIG=16383G bench/establish-rss.sh  # just under the ext4 limit
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
big=${BIG:-16T}
work=$(mktemp -d "${DIR:-/dev/shm}/flashcopy-establish.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
FLASHCOPY_JAVA_OPTS=${FLASHCOPY_JAVA_OPTS:-} "$root/bin/flashcopy" serve --data "$work/data" \
    --listen "127.0.0.1:$port" --admin 127.0.0.1:0 >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 600); do [ -f "$work/data/admin.json" ] && break; sleep 0.1; done
rss() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status"; }

python3 - "$work/data/admin.json" "$big" >"$work/api.txt" <<'PY'
import json, statistics, sys, time, urllib.request
admin = json.load(open(sys.argv[1]))
def call(method, path, body=None):
    req = urllib.request.Request(admin["url"] + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + admin["token"], "Content-Type": "application/json"})
    return urllib.request.urlopen(req).read()
call("POST", "/v1/volumes", {"name": "big", "size": sys.argv[2]})
times = []
for i in range(7):
    start = time.monotonic()
    call("POST", "/v1/relationships", {"pairs": ["big:snap"], "mode": "nocopy"})
    times.append((time.monotonic() - start) * 1000)
    call("POST", "/v1/relationships/big:snap/withdraw", {"force": True})
    call("DELETE", "/v1/volumes/snap")
print(f"{min(times):.1f} {statistics.median(times):.1f}")
PY
read -r api_best api_median <"$work/api.txt"
fc() { FLASHCOPY_NO_BUILD=1 FLASHCOPY_DATA="$work/data" "$root/bin/flashcopy" "$@"; }
start=$(date +%s%N)
fc mkflash --nocp big:snapcli >/dev/null
cli_ms=$(( ($(date +%s%N) - start) / 1000000 ))
fc rmflash --force big:snapcli >/dev/null
fc rmvol snapcli >/dev/null
fc rmvol big >/dev/null

rss_empty=$(rss)
for i in $(seq -w 0 15); do
  fc mkvol "v$i" --size 1T >/dev/null
  fc mkflash --nocp "v$i:t$i" >/dev/null
done
sleep 2
rss_idle=$(rss)
jobs=()
for i in $(seq -w 0 15); do
  jobs+=(--name="v$i" --uri="nbd://127.0.0.1:$port/v$i")
done
fio --ioengine=nbd --rw=randwrite --bs=4k --iodepth=8 --size=1T --number_ios=2000 --randrepeat=1 \
    "${jobs[@]}" --output=/dev/null >/dev/null
sleep 1
rss_written=$(rss)
hwm=$(awk '/^VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")

cat <<MD
## Establish and memory

\`bench/establish-rss.sh\`, $(date -u '+%Y-%m-%d %H:%M UTC'), data directory on $(df --output=fstype "$work" | tail -1),
load average $(cut -d' ' -f1-3 /proc/loadavg)

| figure | value | target |
|---|---|---|
| mkflash of a ${big} sparse source, admin API call (best / median of 7) | ${api_best} / ${api_median} ms | < 50 ms |
| \`flashcopy mkflash\` of the same, wall time including the CLI's JVM start | ${cli_ms} ms | |
| server RSS, no volumes | ${rss_empty} MiB | |
| server RSS, 16 volumes of 1 TiB, 16 NOCOPY relationships (16 more 1 TiB targets), idle | ${rss_idle} MiB | < 512 MiB |
| the same after 2000 random 4 KiB writes to each source (copy-on-write of 32,000 grains) | ${rss_written} MiB (peak ${hwm} MiB) | < 512 MiB |
MD

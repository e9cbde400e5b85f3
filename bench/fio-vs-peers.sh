#!/usr/bin/env bash
# One run, same image, same fio jobs: flashcopy vs nbdkit (file plugin) vs qemu-nbd.
# Prints a table (IOPS, MiB/s, p99 latency, ratio flashcopy / best peer) and writes it, with the
# machine and date, to bench/RESULTS.md. These machines are noisy: compare only within one run.
#
#   bench/fio-vs-peers.sh            # plain rows: 3 rounds of 6 s per server; copy-on-write rows: 10 s
#   ROUNDS=5 RUNTIME=10 bench/fio-vs-peers.sh
#   TRANSPORTS="tcp unix tls" bench/fio-vs-peers.sh   # the plain rows over TCP, unix sockets and TLS in one run
#   SOCKETS=all (the same), SOCKETS=unix (unix sockets only: only that section of RESULTS.md is replaced)
# Without tcp among the transports only the plain sections run and are replaced in RESULTS.md; with it, the
# copy-on-write rows run too and the file is rewritten (sections other scripts added are kept). Over unix
# sockets and TLS the one-connection rows run (the targets of issue 20). BASE_PORT=N: the servers' TCP ports
# from N up. The server runs from tools/target as built; bench/lib/servers.sh builds what is missing first.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
case ${CACHE:-pages} in pages|folios) ;; *) echo "fio-vs-peers: CACHE must be pages or folios, not '$CACHE'" >&2; exit 2 ;; esac
runtime=${RUNTIME:-6}
case ${SOCKETS:-tcp} in
  tcp) transports=${TRANSPORTS:-tcp} ;;
  unix) transports=unix ;;
  all) transports="tcp unix tls" ;;
  *) echo "fio-vs-peers: SOCKETS must be tcp, unix or all, not '$SOCKETS'" >&2; exit 2 ;;
esac
for t in $transports; do
  case $t in tcp|unix|tls) ;; *) echo "fio-vs-peers: TRANSPORTS takes tcp, unix and tls, not '$t'" >&2; exit 2 ;; esac
done
cow_runtime=${COW_RUNTIME:-10}
rounds=${ROUNDS:-3}
size=${SIZE:-1G}
"$root/bin/install-clients"
load_start=$(cut -d' ' -f1-3 /proc/loadavg) # other work on the machine moves every figure: say how much there was
work=$(mktemp -d /var/tmp/flashcopy-bench.XXXXXX)
mkdir -p "$work/out" && chmod 777 "$work/out" # fio writes its report here, as nobody over TLS
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

. "$root/bench/lib/servers.sh" # free_port, wait_uri, start_flashcopy, setup_tls, client, warm_up, fio_line, ...

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
  "randread 4k 4 conns qd8|--rw=randread --bs=4k --iodepth=8 --numjobs=4 --group_reporting"
  "randwrite 4k 4 conns qd8|--rw=randwrite --bs=4k --iodepth=8 --numjobs=4 --group_reporting"
  "randwrite 4k qd1|--rw=randwrite --bs=4k --iodepth=1"
)

cow="$work/cow.tsv"
: >"$cow"
round=0
settle_cache() { # the image's page cache to one state before every plain run (bench/lib/settle-cache says why)
  "$root/bench/lib/settle-cache" "$image" "${CACHE:-pages}"
}
run_one() { # file server-name row-name uri fio-args... ; no ramp for copy-on-write rows: the first writes are the point
  # With $spid set (plain rows), the results line also gets the server's CPU per request (its process's user +
  # system time over the run, ramp included) and the client's (fio's) own CPU use in percent of one core.
  local file=$1 server=$2 name=$3 uri=$4 ramp=2 time=$runtime c0=0 c1=0
  shift 4
  if [ "$file" = "$cow" ]; then ramp=0; time=$cow_runtime; fi
  if [ "$file" != "$cow" ]; then settle_cache; fi
  rm -f "$work/out/out.json" # over TLS fio runs as nobody, and cannot write over root's file
  [ -n "${spid:-}" ] && c0=$(cpu_ticks "$spid")
  client fio --name=bench --ioengine=nbd --uri="$uri" "$@" --size="$size" --runtime="$time" --time_based \
      --ramp_time="$ramp" --output-format=json --output="$work/out/out.json" >/dev/null
  [ -n "${spid:-}" ] && c1=$(cpu_ticks "$spid")
  local cpu=()
  [ -n "${spid:-}" ] && cpu=("$((c1 - c0))" "$((time + ramp))")
  fio_line "$work/out/out.json" "$server" "$name" "$round" "${cpu[@]}" >>"$file"
}
cow_write=(--rw=randwrite --bs=4k --iodepth=32)

plain_table() { # file: the plain rows' table from the servers' and the raw file's results in it
  python3 - "$root/bench/lib" "$1" <<'PY'
import sys, collections
sys.path.insert(0, sys.argv[1])
from tables import read_runs, medians as median, each_round
runs = read_runs(sys.argv[2])  # row -> server -> round -> (iops, MiB/s, p99, server µs/request, client CPU %)
print("| job | flashcopy IOPS | MiB/s | p99 µs | nbdkit IOPS | MiB/s | p99 µs | qemu-nbd IOPS | MiB/s | p99 µs "
      "| flashcopy / nbdkit | flashcopy / best peer | each round: flashcopy / best peer | raw file IOPS "
      "| flashcopy / raw file |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
runs = collections.OrderedDict((k, v) for k, v in runs.items() if "flashcopy" in v)  # raw-only rows: not run here
for name, s in runs.items():
    fc, nk, qn = (median(s[k]) for k in ("flashcopy", "nbdkit", "qemu-nbd"))
    raw = median(s["raw"]) if "raw" in s else None
    best = max(nk[0], qn[0])
    cells = [name]
    for v in (fc, nk, qn):
        cells += [f"{v[0]:.0f}", f"{v[1]:.0f}", f"{v[2]:.0f}"]
    cells += [f"{fc[0] / nk[0]:.2f}", f"{fc[0] / best:.2f}"]
    cells += [each_round(s["flashcopy"], s["nbdkit"], s["qemu-nbd"])]
    cells += [f"{raw[0]:.0f}", f"{fc[0] / raw[0]:.2f}"] if raw else ["-", "-"]
    print("| " + " | ".join(cells) + " |")
print()
print("CPU per row (medians): each server's own CPU time per request, and how busy the client (fio) was, in % of")
print("one core (fio --ioengine=nbd drives a job from one thread; the 4-connection rows show fio's figure for its 4")
print("jobs together as it reports it). A client near 100 % is the ceiling of its row: the ratio there compares how")
print("much of the client's core each server's traffic costs, more than the servers themselves.")
print()
print("| job | flashcopy µs/request | fio CPU % | nbdkit µs/request | fio CPU % | qemu-nbd µs/request | fio CPU % "
      "| raw file: fio CPU % |")
print("|---|---|---|---|---|---|---|---|")
for name, s in runs.items():
    cells = [name]
    for k in ("flashcopy", "nbdkit", "qemu-nbd"):
        m = median(s[k])
        cells += [f"{m[3]:.1f}", f"{m[4]:.0f}"]
    cells += [f"{median(s['raw'])[4]:.0f}" if "raw" in s else "-"]
    print("| " + " | ".join(cells) + " |")
PY
}

# Plain export, per transport: the three servers run side by side on the same image, and every row is measured
# on all three back to back (starting with a different one each row and round), so drift in the machine's load
# spreads over all of them instead of landing on whoever ran first. The TCP flashcopy server stays up for the
# copy-on-write rows; the others stop when their transport is done.
start_servers() { # transport: fills servers ("name|uri") and pid_of
  local t=$1 p
  servers=()
  case $t in
    tcp)
      p=$(free_port)
      start_flashcopy fc-tcp "127.0.0.1:$p" "${FLASHCOPY_JAVA_OPTS:-}"
      fc_pid=$flashcopy_pid
      u="nbd://127.0.0.1:$p"
      servers+=("flashcopy|$u/bench")
      p=$(free_port)
      nbdkit -f -p "$p" -i 127.0.0.1 file "$image" &
      servers+=("nbdkit|nbd://127.0.0.1:$p/")
      pid_of[nbdkit]=$!
      pids+=($!)
      p=$(free_port)
      qemu-nbd -f raw -b 127.0.0.1 -p "$p" -x bench --persistent --shared=16 "$image" &
      servers+=("qemu-nbd|nbd://127.0.0.1:$p/bench")
      ;;
    unix)
      start_flashcopy fc-unix "unix:$work/flashcopy.sock" "${FLASHCOPY_JAVA_OPTS:-}"
      servers+=("flashcopy|nbd+unix:///bench?socket=$work/flashcopy.sock")
      nbdkit -f -U "$work/nbdkit.sock" file "$image" &
      servers+=("nbdkit|nbd+unix:///?socket=$work/nbdkit.sock")
      pid_of[nbdkit]=$!
      pids+=($!)
      qemu-nbd -f raw -k "$work/qemu-nbd.sock" -x bench --persistent --shared=16 "$image" &
      servers+=("qemu-nbd|nbd+unix:///bench?socket=$work/qemu-nbd.sock")
      ;;
    tls) # X.509 with client certificates checked, on every server (bench/lib/servers.sh, setup_tls)
      p=$(free_port)
      start_flashcopy fc-tls "127.0.0.1:$p" "${FLASHCOPY_JAVA_OPTS:-}" "${tls_serve_args[@]}"
      servers+=("flashcopy|nbds://127.0.0.1:$p/bench")
      p=$(free_port)
      nbdkit -f -p "$p" -i 127.0.0.1 --tls=require --tls-certificates="$pki" --tls-verify-peer file "$image" &
      servers+=("nbdkit|nbds://127.0.0.1:$p/")
      pid_of[nbdkit]=$!
      pids+=($!)
      p=$(free_port)
      qemu-nbd -f raw -b 127.0.0.1 -p "$p" -x bench --persistent --shared=16 \
          --object "tls-creds-x509,id=tls0,dir=$pki,endpoint=server,verify-peer=on" --tls-creds tls0 "$image" &
      servers+=("qemu-nbd|nbds://127.0.0.1:$p/bench")
      ;;
  esac
  pid_of[qemu-nbd]=$!
  pids+=($!)
  pid_of[flashcopy]=$flashcopy_pid
  if [ "$t" = tls ]; then bench_client=$tls_client; else bench_client=; fi
  for s in "${servers[@]}"; do wait_uri "${s#*|}"; done
}
stop_servers() { # transport: all but the TCP flashcopy server, which the copy-on-write rows use
  local k
  for k in flashcopy nbdkit qemu-nbd; do
    [ "$1" = tcp ] && [ $k = flashcopy ] && continue
    kill "${pid_of[$k]}"; wait "${pid_of[$k]}" 2>/dev/null || true
  done
  bench_client=
}
declare -A pid_of
[[ " $transports " = *" tls "* ]] && { setup_tls; tls_client=$bench_client; bench_client=; }
for t in $transports; do
  results="$work/plain-$t.tsv"
  : >"$results"
  start_servers "$t"
  for s in "${servers[@]}"; do echo "warming up ${s%%|*} ($t)" >&2; warm_up "${s#*|}"; done
  # Each row runs in rounds, the three servers back to back in each, the first one rotating; the table
  # gives each server's median round and every round's own ratio, so one unlucky run shows as such.
  i=0
  for row in "${rows[@]}"; do
    [ "$t" != tcp ] && [[ ${row%%|*} = *conns* ]] && continue # the issue's targets over unix and TLS: one connection
    for round in $(seq "$rounds"); do
      echo "running ${row%%|*} ($t), round $round of $rounds" >&2
      for k in 0 1 2; do
        s=${servers[$(( (i + k + round) % 3 ))]}
        spid=${pid_of[${s%%|*}]}
        # shellcheck disable=SC2086
        run_one "$results" "${s%%|*}" "${row%%|*}" "${s#*|}" ${row#*|}
        spid=
      done
    done
    i=$((i + 1))
  done
  round=0
  stop_servers "$t"
done

# The physical limit: the same jobs on the image file itself (io_uring, page cache, no protocol).
echo "running the raw file" >&2
raw="$work/raw.tsv"
: >"$raw"
for row in "${rows[@]}"; do
  settle_cache
  # --invalidate=0: fio would drop the file's cache first, and the servers' rows ran on the cached file.
  # shellcheck disable=SC2086
  fio --name=bench --filename="$image" --ioengine=io_uring --invalidate=0 ${row#*|} --size="$size" \
      --runtime="$runtime" --time_based --ramp_time=2 --output-format=json --output="$work/out/out.json" >/dev/null
  fio_line "$work/out/out.json" raw "${row%%|*}" 0 0 "$((runtime + 2))" >>"$raw"
done

declare -A title=([tcp]="## Plain export" [unix]="## Plain export over unix sockets" [tls]="## Plain export over TLS")
declare -A about=(
  [tcp]="Over TCP on 127.0.0.1."
  [unix]="Every server on a unix socket (flashcopy \`--listen unix:\`, nbdkit \`-U\`, qemu-nbd \`-k\`), fio \`--uri=nbd+unix:///...\`."
  [tls]="Over TLS on 127.0.0.1 (\`nbds://\`), X.509 certificates from \`bin/make-test-certs\`, client certificates checked by every server: flashcopy \`--tls require --tls-ca\` (its default provider), nbdkit \`--tls=require --tls-verify-peer\`, qemu-nbd \`tls-creds-x509,verify-peer=on\`; fio runs as nobody with the client certificate in \$HOME/.pki/libnbd.")
section() { # transport: its section of bench/RESULTS.md
  echo "${title[$1]}"
  echo
  echo "${about[$1]}"
  echo
  cat "$work/plain-$1.tsv" "$raw" >"$work/both.tsv"
  plain_table "$work/both.tsv"
}
run_facts() { # the date, machine, load and options of this run
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(machine)"
  echo "- load average (1/5/15 min) at start: $load_start; at end: $(cut -d' ' -f1-3 /proc/loadavg) (other workers share"
  echo "  the machine: the load is theirs and ours together)"
  echo "- command: \`TRANSPORTS=\"$transports\" ROUNDS=$rounds RUNTIME=$runtime SIZE=$size WARMUP=${WARMUP:-5} bench/fio-vs-peers.sh\`"
  echo "- server options: FLASHCOPY_JAVA_OPTS='${FLASHCOPY_JAVA_OPTS:-}' (empty: the defaults)"
  echo "- peers: $(nbdkit --version 2>&1 | head -1), $(qemu-nbd --version | head -1)"
}

if [[ " $transports " != *" tcp "* ]]; then
  # No copy-on-write rows: each transport's section of bench/RESULTS.md is replaced, the rest kept.
  for t in $transports; do
    { section "$t"; echo; run_facts; } >"$work/section.md"
    cat "$work/section.md"
    replace_section "$root/bench/RESULTS.md" "$work/section.md" "${title[$t]}"
    echo "written to bench/RESULTS.md (${title[$t]})" >&2
  done
  exit 0
fi

fc() { FLASHCOPY_NO_BUILD=1 FLASHCOPY_DATA="$work/fc-tcp/data" "$root/bin/flashcopy" "$@"; }
# Copy-on-write rows in rounds too: each round establishes fresh targets for flashcopy and starts the
# overlay peers on fresh overlays, so every round starts from the moment of establish.
for round in $(seq "$rounds"); do
  echo "running copy-on-write rows, round $round of $rounds" >&2
  settle_cache
  run_one "$cow" flashcopy "source write, 0 targets" "$u/bench" "${cow_write[@]}"
  fc mkflash --nocp bench:c1 >/dev/null
  run_one "$cow" flashcopy "source write, 1 NOCOPY target" "$u/bench" "${cow_write[@]}"
  for t in c2 c3 c4; do fc mkflash --nocp "bench:$t" >/dev/null; done
  run_one "$cow" flashcopy "source write, 4 NOCOPY targets" "$u/bench" "${cow_write[@]}"
  for t in c4 c3 c2 c1; do fc rmflash --force "bench:$t" >/dev/null; fc rmvol "$t" >/dev/null; done
  fc mkflash --nocp bench:tt >/dev/null
  run_one "$cow" flashcopy "target write, fresh NOCOPY target" "$u/tt" "${cow_write[@]}"
  fc rmflash --force bench:tt >/dev/null; fc rmvol tt >/dev/null

  port=$(free_port)
  nbdkit -f -p "$port" -i 127.0.0.1 --filter=cow file "$image" &
  pids+=($!)
  wait_uri "nbd://127.0.0.1:$port/"
  run_one "$cow" nbdkit "overlay write (cow filter)" "nbd://127.0.0.1:$port/" "${cow_write[@]}"
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

  rm -f "$work/overlay.qcow2"
  qemu-img create -q -f qcow2 -F raw -b "$image" "$work/overlay.qcow2"
  port=$(free_port)
  qemu-nbd -f qcow2 -b 127.0.0.1 -p "$port" -x bench --persistent --shared=16 "$work/overlay.qcow2" &
  pids+=($!)
  wait_uri "nbd://127.0.0.1:$port/bench"
  run_one "$cow" qemu-nbd "overlay write (qcow2 over raw)" "nbd://127.0.0.1:$port/bench" "${cow_write[@]}"
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
done
round=0
sync
# Timed through the admin API (no CLI start-up in the figure): establish, then poll until it ends.
copy_ms=$(python3 - "$work/fc-tcp/data/admin.json" <<'PY'
import json, sys, time, urllib.request, urllib.error
admin = json.load(open(sys.argv[1]))
def call(method, path, body=None):
    req = urllib.request.Request(admin["url"] + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + admin["token"], "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))
start = time.monotonic()
call("POST", "/v1/relationships", {"pairs": ["bench:full"], "mode": "copy"})
while True:
    try:
        rels = call("GET", "/v1/relationships/bench:full")["relationships"]
        if rels and rels[0]["outOfSyncGrains"] == 0:
            break
    except urllib.error.HTTPError as e:
        if e.code == 404:
            break  # a non-persistent copy ends itself at 100 %
        raise
    time.sleep(0.02)
print(int((time.monotonic() - start) * 1000))
PY
)
kill "$fc_pid"; wait "$fc_pid" 2>/dev/null || true
start=$(date +%s%N)
cp --sparse=always "$image" "$work/cp.img" && sync --data "$work/cp.img"
cp_ms=$(( ($(date +%s%N) - start) / 1000000 ))
size_mib=$(( $(stat -c %s "$image") / 1048576 ))
awk -v m="$size_mib" -v t="$copy_ms" 'BEGIN { printf "flashcopy\tbackground copy (MiB/s)\t0\t%.1f\t0\t0\n", m * 1000 / t }' >>"$cow"
awk -v m="$size_mib" -v t="$cp_ms" 'BEGIN { printf "cp\tbackground copy (MiB/s)\t0\t%.1f\t0\t0\n", m * 1000 / t }' >>"$cow"
rm -f "$work/cp.img"

tables=$(for t in $transports; do section "$t"; echo; done)
echo "$tables"

cow_table=$(python3 - "$cow" <<'PY'
import sys, collections, statistics
runs = collections.OrderedDict()  # (server, row) -> round -> (iops, MiB/s, p99)
for line in open(sys.argv[1]):
    server, name, iops, mib, p99, rnd = line.rstrip("\n").split("\t")
    runs.setdefault((server, name), {})[rnd] = (float(iops), float(mib), float(p99))
rows = {k: tuple(statistics.median(v[i] for v in by_round.values()) for i in range(3)) for k, by_round in runs.items()}
def iops(server, name):
    return rows[(server, name)][0]
print("| job | server | IOPS (median) | MiB/s | p99 µs | IOPS each round |")
print("|---|---|---|---|---|---|")
for (server, name), (i, m, p) in rows.items():
    each = ", ".join(f"{v[0]:.0f}" for v in runs[(server, name)].values())
    print(f"| {name} | {server} | {i:.0f} | {m:.1f} | {p:.0f} | {each} |")
best_overlay = max(iops("nbdkit", "overlay write (cow filter)"), iops("qemu-nbd", "overlay write (qcow2 over raw)"))
def per_round(row):
    fc, nk, qn = (runs[k] for k in (("flashcopy", row), ("nbdkit", "overlay write (cow filter)"),
                                     ("qemu-nbd", "overlay write (qcow2 over raw)")))
    return ", ".join(f"{fc[r][0] / max(nk[r][0], qn[r][0]):.2f}" for r in fc)
zero = iops("flashcopy", "source write, 0 targets")
one = iops("flashcopy", "source write, 1 NOCOPY target")
four = iops("flashcopy", "source write, 4 NOCOPY targets")
tgt = iops("flashcopy", "target write, fresh NOCOPY target")
copy = rows[("flashcopy", "background copy (MiB/s)")][1]
cp = rows[("cp", "background copy (MiB/s)")][1]
print()
print("| ratio | value | target |")
print("|---|---|---|")
print(f"| source write with 1 target / with none | {one / zero:.2f} | >= 0.5 |")
print(f"| source write with 4 targets / with 1 | {four / one:.2f} | >= 1.0 (no slower) |")
print(f"| target write / best overlay peer | {tgt / best_overlay:.2f} (rounds: "
      f"{per_round('target write, fresh NOCOPY target')}) | (issue 5: >= 1.5) |")
print(f"| source write with 1 target / best overlay peer | {one / best_overlay:.2f} (rounds: "
      f"{per_round('source write, 1 NOCOPY target')}) | (issue 5: >= 1.5) |")
print(f"| background copy / cp --sparse=always + sync | {copy / cp:.2f} | >= 0.7 |")
PY
)
echo "$cow_table"

# Sections other scripts (and people) added stay, wherever they are; ours (and the unix-socket section older runs
# wrote under another title) are replaced.
kept=""
if [ -f "$root/bench/RESULTS.md" ]; then
  kept=$(python3 - "$root/bench/RESULTS.md" <<'PY'
import re, sys
ours = {"# Benchmark results", "## Plain export", "## Plain export over unix sockets", "## Plain export over TLS",
        "## Copy-on-write", "## Plain export over unix sockets (SOCKETS=unix)"}
parts = re.split(r"^(?=#{1,2} )", open(sys.argv[1]).read(), flags=re.M)
print("".join(p for p in parts if p.strip() and p.splitlines()[0] not in ours).rstrip("\n"))
PY
)
fi
{
  echo "# Benchmark results"
  echo
  echo "Written by \`bench/fio-vs-peers.sh\` (one run, every server on the same $size dense raw image,"
  echo "fio \`--ioengine=nbd\`; before its rows every server gets the same unrecorded warm-up, ${WARMUP:-5} s of"
  echo "4 KiB random and ${WARMUP:-5} s of 1 MiB sequential read/write, so the JVM's JIT has compiled the hot"
  echo "path). The three servers run side by side. Each plain row runs in $rounds rounds of ${runtime} s after a"
  echo "2 s ramp, the three servers back to back in each round with the first one rotating, so drift in the"
  echo "machine's load falls on all of them; the table gives each server's median round, the ratio of the"
  echo "medians, and each round's own ratio. Ratios compare within this run only. Before every plain run, every"
  echo "raw-file run (fio is told not to drop the cache) and every copy-on-write round, the image's page cache is"
  echo "written back, dropped and read back, here CACHE=${CACHE:-pages}: \"pages\" holds the file in 4 KiB pages (read"
  echo "back without readahead, as a file in random use), \"folios\" in large folios (read back sequentially, as"
  echo "after a fresh fill). On this kernel that alone moves 4 KiB writes into the raw file from 36k to 500k IOPS"
  echo "(a 4 KiB write into a large folio walks all of its blocks), for every server alike."
  echo
  echo "Each server's CPU per request is its process's user + system time over the run (ramp included) divided"
  echo "by the requests fio counted; over unix sockets and TLS only the one-connection rows run."
  echo
  run_facts
  echo
  echo "$tables"
  echo
  echo "## Copy-on-write"
  echo
  echo "4 KiB random writes, iodepth 32, $rounds rounds of ${cow_runtime} s each from the moment of establish (no ramp: the first writes"
  echo "to each 64 KiB grain are the ones that copy). Peers: nbdkit's cow filter over the same raw image, and"
  echo "qemu-nbd on a qcow2 overlay backed by it. Background copy: \`mkflash\` + \`wait\` of the dense image"
  echo "(grains made durable as they go) against \`cp --sparse=always\` followed by \`sync --data\`."
  echo
  echo "$cow_table"
  if [ -n "$kept" ]; then
    echo
    echo "$kept"
  fi
} >"$root/bench/RESULTS.md"
echo "written to bench/RESULTS.md" >&2

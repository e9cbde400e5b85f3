#!/usr/bin/env bash
# NBD over TLS, same image, same certificates, same client-certificate checking: flashcopy with the OpenSSL
# (BoringSSL) provider vs flashcopy with the JDK provider vs nbdkit --tls=require vs qemu-nbd --tls-creds.
# Rows: fio --ioengine=nbd (nbds:// URIs) 4 KiB random read/write QD32 and 1 MiB sequential read/write QD8, and
# nbdcopy of the whole image out of (read) and into (write) each server. Every row runs in rounds, the four servers
# back to back in each, the first one rotating; the table gives medians, the ratio of each flashcopy to the best
# peer, and each server's CPU time per request (user + system of its process over the run). Prints the tables;
# paste them with the date and machine into bench/RESULTS.md. These machines are noisy: compare within one run.
#
#   bench/tls-vs-peers.sh                 # 3 rounds of 6 s per fio row, a 1 GiB image
#   ROUNDS=5 RUNTIME=10 SIZE=2G bench/tls-vs-peers.sh
# The server runs from tools/target as built; what is missing is built first (bin/flashcopy --version).
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
runtime=${RUNTIME:-6}
rounds=${ROUNDS:-3}
size=${SIZE:-1G}
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d /var/tmp/flashcopy-tls-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 300); do client nbdinfo --size "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "server at $1 did not come up" >&2; exit 1; }

pki="$work/pki"
"$root/bin/make-test-certs" "$pki" >/dev/null
# fio's nbd engine refuses ?tls-certificates= in a URI (libnbd's allow_local_file is off), so every client finds
# the client certificate where libnbd looks by default, $HOME/.pki/libnbd; libnbd looks there only for a user
# other than root (root's is /etc/pki/libnbd, the machine's), so the clients run as nobody.
mkdir -p "$work/home/.pki" "$work/out"
cp -r "$pki/client" "$work/home/.pki/libnbd"
chmod 755 "$work"
chmod -R a+rX "$work/home"
chmod 777 "$work/out"
client() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$work/home" "$@"; }
tls=""
image="$work/image.raw"
"$root/bin/flashcopy" --version >/dev/null # builds what is missing, with a JDK 25 it finds itself
source="$work/source.raw" # what nbdcopy writes into each server
echo "preparing dense $size raw images" >&2
for f in "$image" "$source"; do
  fio --name=fill --filename="$f" --size="$size" --rw=write --bs=1M --ioengine=psync --refill_buffers \
      --end_fsync=1 --output=/dev/null
done
chmod a+r "$source"

flashcopy() { # name port provider: a server with its own data directory, registering the shared image
  mkdir -p "$work/$1"
  FLASHCOPY_NO_BUILD=1 FLASHCOPY_JAVA_OPTS="-Dflashcopy.tlsProvider=$3 ${FLASHCOPY_JAVA_OPTS:-}" \
    "$root/bin/flashcopy" serve --image-dir "$work" --data "$work/$1/data" --listen "127.0.0.1:$2" \
    --admin 127.0.0.1:0 --tls require --tls-cert "$pki/server-cert.pem" --tls-key "$pki/server-key.pem" \
    --tls-ca "$pki/ca-cert.pem" >"$work/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 600); do [ -f "$work/$1/data/admin.json" ] && break; sleep 0.1; done
  FLASHCOPY_NO_BUILD=1 FLASHCOPY_DATA="$work/$1/data" "$root/bin/flashcopy" mkvol bench --file "$image" >/dev/null
  grep -q "provider $3" "$work/$1.log" || { echo "$1 does not use the $3 provider:" >&2; cat "$work/$1.log" >&2; exit 1; }
}
declare -A pid_of
p1=$(free_port); flashcopy fc-openssl "$p1" openssl; pid_of[fc-openssl]=${pids[-1]}
p2=$(free_port); flashcopy fc-jdk "$p2" jdk; pid_of[fc-jdk]=${pids[-1]}
p3=$(free_port)
nbdkit -f -p "$p3" -i 127.0.0.1 --tls=require --tls-certificates="$pki" --tls-verify-peer file "$image" &
pids+=($!); pid_of[nbdkit]=$!
p4=$(free_port)
qemu-nbd -f raw -b 127.0.0.1 -p "$p4" -x bench --persistent --shared=16 \
    --object "tls-creds-x509,id=tls0,dir=$pki,endpoint=server,verify-peer=on" --tls-creds tls0 "$image" &
pids+=($!); pid_of[qemu-nbd]=$!
servers=("fc-openssl|nbds://127.0.0.1:$p1/bench$tls" "fc-jdk|nbds://127.0.0.1:$p2/bench$tls"
         "nbdkit|nbds://127.0.0.1:$p3/$tls" "qemu-nbd|nbds://127.0.0.1:$p4/bench$tls")
for s in "${servers[@]}"; do wait_port "${s#*|}"; done

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
results="$work/results.tsv"
: >"$results"
fio_row() { # server uri round name fio-args...
  local server=$1 uri=$2 round=$3 name=$4 c0 c1
  shift 4
  "$root/bench/lib/settle-cache" "$image"
  c0=$(cpu "${pid_of[$server]}")
  client fio --name=bench --ioengine=nbd --uri="$uri" "$@" --size="$size" --runtime="$runtime" --time_based \
      --ramp_time=2 --output-format=json --output="$work/out/out.json" >/dev/null
  c1=$(cpu "${pid_of[$server]}")
  python3 - "$work/out/out.json" "$server" "$name" "$round" "$((c1 - c0))" "$((runtime + 2))" "$(getconf CLK_TCK)" \
      >>"$results" <<'PY'
import json, sys
job = json.load(open(sys.argv[1]))["jobs"][0]
d = job["read"] if job["read"]["io_bytes"] > 0 else job["write"]
ticks, seconds, hz = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
us = ticks * 1e6 / hz / (d["iops"] * seconds) if d["iops"] else 0
print(f"{sys.argv[2]}\t{sys.argv[3]}\t{sys.argv[4]}\t{d['iops']:.0f}\t{d['bw_bytes'] / 1048576:.1f}\t{us:.1f}")
PY
}
copy_row() { # server uri round name: nbdcopy the whole image out of (read) or into (write) the server
  local server=$1 uri=$2 round=$3 name=$4 c0 c1 t0 t1
  "$root/bench/lib/settle-cache" "$image"
  c0=$(cpu "${pid_of[$server]}")
  t0=$(date +%s%N)
  if [ "$name" = "nbdcopy read" ]; then client nbdcopy "$uri" null:; else client nbdcopy "$source" "$uri"; fi
  t1=$(date +%s%N)
  c1=$(cpu "${pid_of[$server]}")
  python3 - "$server" "$name" "$round" "$((c1 - c0))" "$((t1 - t0))" "$(stat -c %s "$image")" \
      "$(getconf CLK_TCK)" >>"$results" <<'PY'
import sys
server, name, rnd, ticks, ns, size, hz = sys.argv[1], sys.argv[2], sys.argv[3], *map(int, sys.argv[4:])
mib = size / 1048576
# CPU per MiB moved, in the µs/request column (nbdcopy's requests are not counted; a MiB is the unit here).
print(f"{server}\t{name}\t{rnd}\t0\t{mib / (ns / 1e9):.1f}\t{ticks * 1e6 / hz / mib:.1f}")
PY
}

for s in "${servers[@]}"; do # the same unrecorded warm-up for all: the JVMs' JIT, and one cache state
  echo "warming up ${s%%|*}" >&2
  for w in "--rw=randrw --bs=4k --iodepth=32" "--rw=rw --bs=1M --iodepth=8"; do
    # shellcheck disable=SC2086
    client fio --name=warmup --ioengine=nbd --uri="${s#*|}" $w --size="$size" --runtime="${WARMUP:-5}" --time_based \
        --output=/dev/null >/dev/null
  done
done

rows=(
  "randread 4k qd32|--rw=randread --bs=4k --iodepth=32"
  "randwrite 4k qd32|--rw=randwrite --bs=4k --iodepth=32"
  "read 1M qd8|--rw=read --bs=1M --iodepth=8"
  "write 1M qd8|--rw=write --bs=1M --iodepth=8"
  "nbdcopy read|"
  "nbdcopy write|"
)
i=0
for row in "${rows[@]}"; do
  for round in $(seq "$rounds"); do
    echo "running ${row%%|*}, round $round of $rounds" >&2
    for k in 0 1 2 3; do
      s=${servers[$(( (i + k + round) % 4 ))]}
      if [ -z "${row#*|}" ]; then
        copy_row "${s%%|*}" "${s#*|}" "$round" "${row%%|*}"
      else
        # shellcheck disable=SC2086
        fio_row "${s%%|*}" "${s#*|}" "$round" "${row%%|*}" ${row#*|}
      fi
    done
  done
  i=$((i + 1))
done

python3 - "$results" <<'PY'
import sys, collections, statistics
runs = collections.OrderedDict()  # row -> server -> round -> (IOPS, MiB/s, CPU)
for line in open(sys.argv[1]):
    server, name, rnd, iops, mib, cpu = line.rstrip("\n").split("\t")
    runs.setdefault(name, {}).setdefault(server, {})[rnd] = (float(iops), float(mib), float(cpu))
names = ("fc-openssl", "fc-jdk", "nbdkit", "qemu-nbd")
def med(by_round, i):
    return statistics.median(v[i] for v in by_round.values())
print("| job | " + " | ".join(f"{n} MiB/s (IOPS)" for n in names)
      + " | openssl / best peer | jdk / best peer | each round: openssl / best peer |")
print("|---|---|---|---|---|---|---|---|")
for name, s in runs.items():
    cells = [name]
    for n in names:
        iops = med(s[n], 0)
        cells.append(f"{med(s[n], 1):.0f}" + (f" ({iops:.0f})" if iops else ""))
    best = max(med(s["nbdkit"], 1), med(s["qemu-nbd"], 1))
    cells += [f"{med(s['fc-openssl'], 1) / best:.2f}", f"{med(s['fc-jdk'], 1) / best:.2f}"]
    cells.append(", ".join(f"{s['fc-openssl'][r][1] / max(s['nbdkit'][r][1], s['qemu-nbd'][r][1]):.2f}"
                           for r in s["fc-openssl"]))
    print("| " + " | ".join(cells) + " |")
print()
print("Server CPU, medians: µs of the server process's CPU time per request (fio rows) or per MiB (nbdcopy rows).")
print()
print("| job | " + " | ".join(names) + " |")
print("|---|---|---|---|---|")
for name, s in runs.items():
    print("| " + name + " | " + " | ".join(f"{med(s[n], 2):.1f}" for n in names) + " |")
PY
echo
echo "rounds=$rounds runtime=${runtime}s size=$size; load average before: $load_start, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(uname -r)"

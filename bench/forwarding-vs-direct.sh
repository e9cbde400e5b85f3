#!/usr/bin/env bash
# Forwarding through a server that does not own the volume vs going straight to the owner (issue 19, item 4: the
# target is at least 0.8x direct). The owner is a real `flashcopy serve` with one volume on a dense raw image; the
# front is dev.flashcopy.bench.ForwardingFront, a server that forwards every request to the owner over NBD
# (nbd.client.RemoteDevices). fio --ioengine=nbd runs each row against both in paired rounds, the order alternating
# each round; the table gives each side's median and the median of the per-round ratios. The machine is shared:
# the load average is printed before and after.
#
#   bench/forwarding-vs-direct.sh                    # 5 rounds of 8 s (+2 s ramp) a side and row
#   ROUNDS=7 RUNTIME=10 BASE_PORT=21200 bench/forwarding-vs-direct.sh
#   FLASHCOPY_NO_BUILD=1 bench/forwarding-vs-direct.sh  # use the jars already built
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
runtime=${RUNTIME:-8}
rounds=${ROUNDS:-5}
size=${SIZE:-1G}
base_port=${BASE_PORT:-0} # 0: ports the kernel picks
. "$root/bin/lib/jdk.sh"
find_jdk # JAVA_HOME and JAVA of a JDK 25, for mvn and the servers, as bin/ scripts do
java=$JAVA
work=$(mktemp -d /var/tmp/flashcopy-forward.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port() {
  if [ "$base_port" != 0 ]; then echo $((base_port + $1)); return; fi
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() { for _ in $(seq 300); do nbdinfo --size "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "server at $1 did not come up" >&2; exit 1; }

if [ "${FLASHCOPY_NO_BUILD:-}" != 1 ]; then
  (cd "$root" && mvn -B -o -q -pl tools,bench -am package -DskipTests -Dspotless.check.skip=true >/dev/null)
fi
classpath="$root/tools/target/tools-0.1.0-SNAPSHOT.jar:$root/tools/target/lib/*:$root/bench/target/classes"
jvm=(-XX:+UseG1GC -XX:MaxDirectMemorySize=1g --enable-native-access=ALL-UNNAMED
     --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED)
flashcopy() { "$java" "${jvm[@]}" -cp "$classpath" dev.flashcopy.tools.Flashcopy "$@"; }
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

image="$work/image.raw"
fio --name=fill --filename="$image" --size="$size" --rw=write --bs=1M --ioengine=psync \
    --refill_buffers --end_fsync=1 --output=/dev/null

p_owner=$(port 1); p_front=$(port 2)
mkdir -p "$work/owner"
# exec: $! must be the JVM itself, or the clean-up kills a subshell and leaves the server running.
(exec "$java" "${jvm[@]}" -cp "$classpath" dev.flashcopy.tools.Flashcopy serve --image-dir "$work" \
    --data "$work/owner" --listen "127.0.0.1:$p_owner" --admin 127.0.0.1:0 >"$work/owner.log" 2>&1) &
pids+=($!)
for _ in $(seq 600); do [ -f "$work/owner/admin.json" ] && break; sleep 0.1; done
FLASHCOPY_DATA="$work/owner" flashcopy mkvol bench --file "$image" >/dev/null
wait_port "nbd://127.0.0.1:$p_owner/bench"
"$java" "${jvm[@]}" -cp "$classpath" dev.flashcopy.bench.ForwardingFront "$p_front" "127.0.0.1:$p_owner" bench \
    >"$work/front.log" 2>&1 &
pids+=($!)
wait_port "nbd://127.0.0.1:$p_front/bench"
direct="nbd://127.0.0.1:$p_owner/bench"
forward="nbd://127.0.0.1:$p_front/bench"

rows=(
  "randread 4k qd32|--rw=randread --bs=4k --iodepth=32"
  "randwrite 4k qd32|--rw=randwrite --bs=4k --iodepth=32"
  "write 1M qd8|--rw=write --bs=1M --iodepth=8"
)
if [ -n "${ONLY:-}" ]; then
  kept=(); for r in "${rows[@]}"; do [[ ${r%%|*} =~ $ONLY ]] && kept+=("$r"); done; rows=("${kept[@]}")
fi

results="$work/results.tsv"
one() { # side uri row-name args...
  local side=$1 uri=$2 name=$3; shift 3
  fio --name=bench --ioengine=nbd --uri="$uri" "$@" --size="$size" --runtime="$runtime" --time_based \
      --ramp_time=2 --output-format=json --output="$work/out.json" >/dev/null
  python3 - "$work/out.json" "$side" "$name" "$round" >>"$results" <<'PY'
import json, sys
job = json.load(open(sys.argv[1]))["jobs"][0]
side = "read" if job["read"]["io_bytes"] > 0 else "write"
d = job[side]
print(f"{sys.argv[2]}\t{sys.argv[3]}\t{d['iops']:.0f}\t{d['bw_bytes'] / 1048576:.1f}\t{sys.argv[4]}")
PY
}
for row in "${rows[@]}"; do
  name=${row%%|*}; read -r -a args <<<"${row#*|}"
  for round in $(seq "$rounds"); do
    if [ $((round % 2)) = 1 ]; then
      one direct "$direct" "$name" "${args[@]}"; one forward "$forward" "$name" "${args[@]}"
    else
      one forward "$forward" "$name" "${args[@]}"; one direct "$direct" "$name" "${args[@]}"
    fi
  done
done

echo "load average before: $load_start, after: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $size image"
python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    side, name, iops, mib, rnd = line.rstrip("\n").split("\t")
    rows.setdefault(name, {}).setdefault(rnd, {})[side] = (float(iops), float(mib))
print("| job | direct IOPS (MiB/s) | forwarded IOPS (MiB/s) | forwarded/direct median | per-round ratios |")
print("|---|---|---|---|---|")
for name, rounds in rows.items():
    d = [r["direct"][0] for r in rounds.values()]
    f = [r["forward"][0] for r in rounds.values()]
    dm = [r["direct"][1] for r in rounds.values()]
    fm = [r["forward"][1] for r in rounds.values()]
    ratios = [r["forward"][0] / r["direct"][0] for r in rounds.values()]
    print(f"| {name} | {statistics.median(d):.0f} ({statistics.median(dm):.0f}) | "
          f"{statistics.median(f):.0f} ({statistics.median(fm):.0f}) | {statistics.median(ratios):.2f}x | "
          + " ".join(f"{x:.2f}" for x in ratios) + " |")
PY

# Shared by the bench scripts (source it): ports, waiting for a server, starting and stopping a flashcopy server,
# the X.509 certificates and client setup for TLS rows, fio warm-up and result lines (bench/lib/fio-line), and
# replacing a section of bench/RESULTS.md. Expects $root (the checkout) and $work (the run's scratch directory)
# set, and a pids array the script's cleanup kills. Tables come from bench/lib/tables.py.

# The servers run from tools/target as built (FLASHCOPY_NO_BUILD=1 below): any bin/flashcopy command builds what is
# missing or older than the sources first, with a JDK 25 it finds itself (no JAVA_HOME needed).
if [ "${FLASHCOPY_NO_BUILD:-}" != 1 ]; then
  "$root/bin/flashcopy" --version >/dev/null
fi

# A free TCP port: the next of BASE_PORT, BASE_PORT+1, ... when BASE_PORT is set (hosts that give each user a
# range), else one the kernel picks. The count is kept in a file: callers run it in a subshell, $(free_port).
free_port() {
  if [ -n "${BASE_PORT:-}" ] && [ "$BASE_PORT" != 0 ]; then
    local n
    n=$(cat "$work/.ports-used" 2>/dev/null || echo 0)
    echo $((n + 1)) >"$work/.ports-used"
    echo $((BASE_PORT + n))
    return
  fi
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_uri URI: until nbdinfo answers there (through $bench_client when set: TLS rows run clients as another user),
# for up to a minute (a server on RBD opens its image first).
wait_uri() {
  for _ in $(seq 600); do ${bench_client:-} nbdinfo --size "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "server at $1 did not come up" >&2
  exit 1
}

# launch_flashcopy NAME LISTEN JAVA_OPTS [SERVE_ARGS...]: `flashcopy serve` with its own data directory
# $work/NAME/data and log $work/NAME.log, not waited for (a standby never gets as far as admin.json); its pid in
# pids[-1] and in flashcopy_pid. The JVM runs from tools/target as built (above).
launch_flashcopy() {
  local name=$1 listen=$2 opts=$3
  shift 3
  mkdir -p "$work/$name"
  FLASHCOPY_NO_BUILD=1 FLASHCOPY_JAVA_OPTS="$opts" "$root/bin/flashcopy" serve --data "$work/$name/data" \
      --listen "$listen" --admin 127.0.0.1:0 "$@" >"$work/$name.log" 2>&1 &
  flashcopy_pid=$! # bin/flashcopy execs the JVM: the same pid
  pids+=($flashcopy_pid)
}

# await_admin NAME PID: until server NAME (pid PID) serves its admin API, i.e. owns its store; its log and exit
# when it stops first or takes over a minute and a half.
await_admin() {
  for _ in $(seq 900); do
    [ -f "$work/$1/data/admin.json" ] && return 0
    kill -0 "$2" 2>/dev/null || { echo "flashcopy server $1 stopped:" >&2; cat "$work/$1.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "flashcopy server $1 did not come up" >&2
  exit 1
}

# start_flashcopy NAME LISTEN JAVA_OPTS [SERVE_ARGS...]: a server on image files in $work, the volume "bench" on
# $image; its pid in pids[-1] and in flashcopy_pid.
start_flashcopy() {
  local name=$1
  launch_flashcopy "$@" --image-dir "$work"
  await_admin "$name" "$flashcopy_pid"
  FLASHCOPY_NO_BUILD=1 FLASHCOPY_DATA="$work/$name/data" "$root/bin/flashcopy" mkvol bench --file "$image" >/dev/null
}

# stop_server PID: stops it and waits until it is gone (a clean stop: a flashcopy server gives its store's lease back).
stop_server() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# setup_tls: a throwaway PKI in $pki and the serve arguments for it in tls_serve_args; sets bench_client to run
# clients as nobody with the client certificate where libnbd finds it. fio's nbd engine refuses
# ?tls-certificates= in a URI (libnbd's allow_local_file is off), so every client finds the client certificate
# where libnbd looks by default, $HOME/.pki/libnbd; libnbd looks there only for a user other than root (root's is
# /etc/pki/libnbd, the machine's), so the clients run as nobody. Files the clients write go to $work/out.
setup_tls() {
  pki="$work/pki"
  "$root/bin/make-test-certs" "$pki" >/dev/null
  mkdir -p "$work/home/.pki" "$work/out"
  cp -r "$pki/client" "$work/home/.pki/libnbd"
  chmod 755 "$work"
  chmod -R a+rX "$work/home"
  chmod 777 "$work/out"
  bench_client="setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=$work/home"
  tls_serve_args=(--tls require --tls-cert "$pki/server-cert.pem" --tls-key "$pki/server-key.pem"
    --tls-ca "$pki/ca-cert.pem")
}
client() { ${bench_client:-} "$@"; }

# The CPU ticks (user + system) process PID has used.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# warm_up URI [SECONDS]: the same unrecorded warm-up for every server (WARMUP, default 5 s, of 4 KiB random and of
# 1 MiB sequential read/write): the JVM's JIT compiles the hot path in its first seconds, and a real server has
# long been warm when it matters. C servers gain nothing but the same page-cache state.
warm_up() {
  local w
  for w in "--rw=randrw --bs=4k --iodepth=32" "--rw=rw --bs=1M --iodepth=8"; do
    # shellcheck disable=SC2086
    client fio --name=warmup --ioengine=nbd --uri="$1" $w --size="$size" --runtime="${2:-${WARMUP:-5}}" --time_based \
        --output=/dev/null >/dev/null
  done
}

# fio_line JSON SERVER ROW ROUND [TICKS SECONDS]: one result line from fio's JSON report (bench/lib/fio-line).
fio_line() { "$root/bench/lib/fio-line" "$@"; }

# The machine, in one line for a results section.
machine() {
  echo "$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
}

# replace_section FILE SECTION_FILE TITLE: the section TITLE of the Markdown FILE becomes SECTION_FILE's text (or is
# appended); everything else stays.
replace_section() {
  python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import tables; tables.replace_section(*sys.argv[2:])' \
      "$root/bench/lib" "$@"
}

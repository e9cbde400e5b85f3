# Shared by the bench scripts (source it): ports, waiting for a server, starting a flashcopy server on an image,
# and the X.509 certificates and client setup for TLS rows. Expects $root (the checkout) and $work (the run's
# scratch directory) set, and a pids array the script's cleanup kills.

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

# wait_uri URI: until nbdinfo answers there (through $bench_client when set: TLS rows run clients as another user).
wait_uri() {
  for _ in $(seq 300); do ${bench_client:-} nbdinfo --size "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "server at $1 did not come up" >&2
  exit 1
}

# start_flashcopy NAME LISTEN JAVA_OPTS [SERVE_ARGS...]: a server with its own data directory $work/NAME, the
# volume "bench" on $image; its pid in pids[-1] and in flashcopy_pid. The JVM runs from tools/target as built
# (FLASHCOPY_NO_BUILD=1; package it first with mvn -B -o -q -pl tools -am package -DskipTests).
start_flashcopy() {
  local name=$1 listen=$2 opts=$3
  shift 3
  mkdir -p "$work/$name"
  FLASHCOPY_NO_BUILD=1 FLASHCOPY_JAVA_OPTS="$opts" "$root/bin/flashcopy" serve --image-dir "$work" \
      --data "$work/$name/data" --listen "$listen" --admin 127.0.0.1:0 "$@" >"$work/$name.log" 2>&1 &
  flashcopy_pid=$! # bin/flashcopy execs the JVM: the same pid
  pids+=($flashcopy_pid)
  for _ in $(seq 600); do [ -f "$work/$name/data/admin.json" ] && break; sleep 0.1; done
  FLASHCOPY_NO_BUILD=1 FLASHCOPY_DATA="$work/$name/data" "$root/bin/flashcopy" mkvol bench --file "$image" >/dev/null
}

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

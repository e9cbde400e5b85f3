# The Ceph side the RBD bench scripts share (sourced after `pool` and `script` are set): the cluster's config and
# the benchmark's own pool, which must not be `rbd` (the tests' and other servers' pool), created when missing;
# empty_pool removes its images and flashcopy objects (a run killed half-way leaves both behind).
export CEPH_CONF=${CEPH_CONF:-/tmp/flashcopy-ceph/ceph.conf}
# The ceph, rbd and rados commands without an admin socket: every client.admin would bind the same path and say so.
export CEPH_ARGS="${CEPH_ARGS:-} --admin-socket="
if [ "$pool" = rbd ]; then
  echo "$script: POOL=rbd is shared with the tests and other servers; give the benchmark a pool of its own" >&2
  exit 2
fi
if [ ! -r "$CEPH_CONF" ]; then
  echo "$script: no Ceph config at $CEPH_CONF; start a cluster (bin/ceph-dev up) or set CEPH_CONF" >&2
  exit 2
fi

ensure_pool() {
  if ! ceph osd pool ls | grep -qx "$pool"; then
    echo "creating pool $pool" >&2
    ceph osd pool create "$pool" 32 >/dev/null && rbd pool init "$pool"
  fi
}

empty_pool() {
  local img objects
  for img in $(rbd -p "$pool" ls); do
    # An image a killed server had open keeps its watcher until Ceph's watch timeout (30 s).
    for _ in $(seq 60); do rbd rm --no-progress "$pool/$img" 2>/dev/null && break; sleep 1; done
  done
  objects=$(rados -p "$pool" ls | grep '^flashcopy' || true)
  # shellcheck disable=SC2086
  [ -z "$objects" ] || rados -p "$pool" rm $objects
}

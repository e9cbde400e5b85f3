#!/usr/bin/python3
"""Sequence writers for the consistency-group tests, over libnbd (Debian's python3-libnbd).

write URI_A URI_B STOPFILE LOG: two writers, one connection each. Writer A writes sequence number n to
slot n of volume A; only when that write has completed does writer B write n to slot n of volume B, and only
then does A go on with n + 1. Each completed (acknowledged) write is logged as "A n" or "B n", line by line.
Both stop when STOPFILE exists or the volumes are full. A slot is 4096 bytes holding n (64-bit big endian)
in every 8 bytes.

scan URI: prints "max M contiguous C count K": the highest n found in its own slot, whether slots 1..M all
hold their own n, and how many slots do.

latency URI STOPFILE LOG: one writer writing slot after slot of URI, logging "n start_ns end_ns" per write,
until STOPFILE exists (for bench/flash-ops.sh: how long a frozen volume held a write).
"""
import os
import struct
import sys
import threading
import time

import nbd

SLOT = 4096


def block(n):
    return struct.pack(">Q", n) * (SLOT // 8)


def connect(uri):
    h = nbd.NBD()
    h.connect_uri(uri)
    return h


def write(uri_a, uri_b, stop, log):
    ha, hb = connect(uri_a), connect(uri_b)
    limit = min(ha.get_size(), hb.get_size()) // SLOT - 1
    out = open(log, "a", buffering=1)
    lock = threading.Lock()
    turns = {"A": threading.Semaphore(1), "B": threading.Semaphore(0)}
    failures = []

    def writer(h, name, other):
        n = 1
        while True:
            turns[name].acquire()
            if os.path.exists(stop) or n > limit or failures:
                turns[other].release()
                return
            try:
                h.pwrite(block(n), n * SLOT)
            except nbd.Error as e:
                failures.append(f"{name} {n}: {e}")
                turns[other].release()
                return
            with lock:
                out.write(f"{name} {n}\n")
            turns[other].release()
            n += 1

    threads = [threading.Thread(target=writer, args=(ha, "A", "B")),
               threading.Thread(target=writer, args=(hb, "B", "A"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for h in (ha, hb):
        try:
            h.shutdown()
        except nbd.Error:
            pass
    if failures:
        print("write failed: " + "; ".join(failures), file=sys.stderr)
        sys.exit(1)


def scan(uri):
    h = connect(uri)
    size = h.get_size()
    highest, count, contiguous = 0, 0, True
    chunk = 4 << 20
    for off in range(0, size, chunk):
        data = h.pread(min(chunk, size - off), off)
        for i in range(0, len(data), SLOT):
            n = (off + i) // SLOT
            if n == 0:
                continue
            if struct.unpack_from(">Q", data, i)[0] == n and data[i:i + SLOT] == block(n):
                count += 1
                highest = n
    contiguous = count == highest
    print(f"max {highest} contiguous {str(contiguous).lower()} count {count}")


def latency(uri, stop, log):
    h = connect(uri)
    out = open(log, "a", buffering=1)
    n = 1
    limit = h.get_size() // SLOT - 1
    while not os.path.exists(stop):
        start = time.monotonic_ns()
        h.pwrite(block(n), (n % limit + 1) * SLOT)
        out.write(f"{n} {start} {time.monotonic_ns()}\n")
        n += 1
        time.sleep(0.005)
    h.shutdown()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "write":
        write(*sys.argv[2:6])
    elif mode == "scan":
        scan(sys.argv[2])
    elif mode == "latency":
        latency(*sys.argv[2:5])
    else:
        sys.exit("usage: seq_writers.py write URI_A URI_B STOPFILE LOG | scan URI | latency URI STOPFILE LOG")

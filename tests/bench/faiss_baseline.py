#!/usr/bin/python3
"""FAISS baseline for tests/bench/bench_index.c (run by it, same dataset).

Builds faiss.IndexBinaryMultiHash(256, 16, 16) with nflip = 1 -- the index
Meta's Hasher-Matcher-Actioner uses for PDQ -- on one thread, times add() and
range_search() of the queries, measures the resident memory the index adds,
and writes the result ids so the C side can check FAISS's recall against
brute force.

usage: faiss_baseline.py DB.bin QUERIES.bin NQ RADIUS OUT.bin
  DB.bin, QUERIES.bin: raw 32-byte hashes (numpy uint8, row-major)
  NQ: run only the first NQ queries; RADIUS: report distance <= RADIUS
  OUT.bin: int64 lims[NQ+1] then int64 ids[lims[NQ]]
Prints one JSON object on stdout.
"""
import json
import sys
import time

import faiss
import numpy as np


def rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    db_path, q_path, nq, radius, out_path = sys.argv[1:6]
    nq, radius = int(nq), int(radius)
    faiss.omp_set_num_threads(1)
    db = np.fromfile(db_path, dtype=np.uint8).reshape(-1, 32)
    q = np.fromfile(q_path, dtype=np.uint8).reshape(-1, 32)[:nq].copy()

    rss0 = rss_bytes()
    idx = faiss.IndexBinaryMultiHash(256, 16, 16)
    idx.nflip = 1
    t0 = time.perf_counter()
    idx.add(db)
    build_s = time.perf_counter() - t0
    rss1 = rss_bytes()

    # FAISS's binary range search keeps distance < radius (strict).
    # CPU time like the C side (the machine is shared); wall time as well.
    t0, c0 = time.perf_counter(), time.process_time()
    lims, _dist, ids = idx.range_search(q, radius + 1)
    search_s = time.process_time() - c0
    wall_s = time.perf_counter() - t0

    with open(out_path, "wb") as f:
        lims.astype(np.int64).tofile(f)
        ids.astype(np.int64).tofile(f)
    print(json.dumps({
        "n": int(db.shape[0]),
        "nq": nq,
        "build_s": build_s,
        "qps": nq / search_s,
        "wall_qps": nq / wall_s,
        "index_rss_bytes": rss1 - rss0,
        "faiss_version": faiss.__version__,
    }))


if __name__ == "__main__":
    main()

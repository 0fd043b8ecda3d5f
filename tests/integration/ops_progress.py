#!/usr/bin/env python3
"""integration.ops_progress (issue 16): long CLI work shows a progress line on a terminal
and nothing in scripts. `hashfed hash` of many files and `hashfed list add` of a big CSV run
once with stderr on a pseudo-terminal (a progress bar is drawn, then erased; stdout is
unchanged) and once with stderr a pipe (not a byte of progress).
usage: ops_progress.py BIN_DIR WORK_DIR API_HOSTPORT TOKEN_FILE LIST_ID"""
import hashlib
import os
import pty
import random
import select
import struct
import subprocess
import sys
import zlib

BIN, W, API, TOKEN_FILE, LIST = sys.argv[1:6]
os.makedirs(W, exist_ok=True)


def png(path, w, h, seed):
    rnd = random.Random(seed)
    raw = b"".join(b"\x00" + bytes(rnd.randrange(256) if (x // 8 + y // 8 + seed) % 3 else 40
                                    for x in range(w * 3)) for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b""))


def run_pty(args, env):
    """stderr on a pseudo-terminal, stdout a pipe: (exit, stdout, terminal bytes)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL,
                         env=env)
    os.close(slave)
    term = b""
    out = b""
    while True:
        r, _, _ = select.select([master, p.stdout], [], [], 60)
        if not r:
            break
        if master in r:
            try:
                d = os.read(master, 65536)
            except OSError:
                d = b""
            if d:
                term += d
            elif p.poll() is not None:
                break
        if p.stdout in r:
            d = p.stdout.read1(65536)
            out += d
            if not d and p.poll() is not None:
                # drain the terminal
                while select.select([master], [], [], 0.2)[0]:
                    try:
                        d = os.read(master, 65536)
                    except OSError:
                        break
                    if not d:
                        break
                    term += d
                break
    p.wait()
    os.close(master)
    return p.returncode, out, term


def run_pipe(args, env):
    r = subprocess.run(args, capture_output=True, env=env, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout, r.stderr


env = dict(os.environ, HASHFED_PROGRESS_AFTER_MS="0")
fails = []

files = []
for i in range(40):
    files.append(f"{W}/img{i:02d}.png")
    png(files[-1], 96, 96, i)
hash_args = [f"{BIN}/hashfed", "hash", "--jobs", "1", *files]
rc, out, term = run_pty(hash_args, env)
lines = out.decode().splitlines()
if rc != 0 or len(lines) != len(files):
    fails.append(f"hash on a terminal: exit {rc}, {len(lines)} lines of {len(files)}")
if b"hashing [" not in term or b"files" not in term or b"100%" not in term:
    fails.append(f"hash: no progress bar on the terminal: {term[:200]!r}")
if not term.endswith(b"\r\033[K"):
    fails.append(f"hash: the progress line is not erased at the end: {term[-40:]!r}")
last = term.split(b"\r")[-2][3:].decode(errors="replace") if b"\r" in term else ""
print(f"hash on a terminal: {term.count(b'hashing [')} redraws, last {last!r}")
rc2, out2, err2 = run_pipe(hash_args, env)
if rc2 != 0 or out2 != out or err2:
    fails.append(f"hash in a script: exit {rc2}, stdout same {out2 == out}, stderr {err2[:200]!r}")
rc3, _, term3 = run_pty(hash_args, dict(env, HASHFED_PROGRESS="0"))
if b"hashing [" in term3:
    fails.append("HASHFED_PROGRESS=0 still draws")

csv = f"{W}/big.csv"
with open(csv, "w") as f:
    f.write("alg,value,quality,category\n")
    for i in range(60000):
        f.write(f"sha256,{hashlib.sha256(str(i).encode()).hexdigest()},100,7\n")
add = [f"{BIN}/hashfed", "list", "--api", API, "--token-file", TOKEN_FILE, "add", LIST,
       "--file", csv]
rc, out, term = run_pty(add, env)
if rc != 0 or b'"count":60000' not in out:
    fails.append(f"list add on a terminal: exit {rc}: {out[:200]!r} {term[-300:]!r}")
if b"adding [" not in term or b"MiB" not in term and b"KiB" not in term:
    fails.append(f"list add: no progress bar: {term[:200]!r}")
print(f"list add on a terminal: {term.count(b'adding [')} redraws")
with open(csv, "w") as f:
    f.write("alg,value,quality,category\n")
    for i in range(60000, 70000):
        f.write(f"sha256,{hashlib.sha256(str(i).encode()).hexdigest()},100,7\n")
rc, out, err = run_pipe(add, env)
if rc != 0 or err:
    fails.append(f"list add in a script: exit {rc}, stderr {err[:200]!r}")
for f_ in fails:
    print("FAIL:", f_)
sys.exit(1 if fails else 0)

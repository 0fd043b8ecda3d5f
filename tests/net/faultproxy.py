#!/usr/bin/env python3
"""Fault-injecting TCP proxy for tests/net (issue 12, "Faults").

    faultproxy.py LISTEN_PORT TARGET_PORT CONTROL_FILE STATS_FILE

Listens on 127.0.0.1:LISTEN_PORT and forwards every connection to
127.0.0.1:TARGET_PORT (the TLS bytes pass through untouched). The first line
of CONTROL_FILE, re-read every 50 ms, selects the fault:

    pass          forward
    delay MS      hold every chunk MS milliseconds (in order) before forwarding
    drop          black hole: connections stay open, bytes vanish both ways
    reset         every connection, open or new, is reset (RST)
    partition     new connections refused (listener closed), open ones black-holed

STATS_FILE gets a JSON object of counters, rewritten every 200 ms: connections,
bytes forwarded, chunks delayed, bytes dropped, resets, and how many times each
fault was switched on.
"""
import asyncio
import json
import os
import socket
import struct
import sys

LISTEN, TARGET, CTL, STATS = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
mode, arg = "pass", 0
stats = {"connections": 0, "bytes": 0, "delayed_chunks": 0, "dropped_bytes": 0,
         "resets": 0, "faults": {}}
conns = set()
server = None


def rst(writer):
    """Closes with RST (SO_LINGER 0) instead of FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()
    stats["resets"] += 1


async def pipe(reader, writer, pair):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if mode in ("drop", "partition"):
                stats["dropped_bytes"] += len(data)
                continue
            if mode == "reset":
                break
            if mode == "delay":
                stats["delayed_chunks"] += 1
                await asyncio.sleep(arg / 1000)
            writer.write(data)
            await writer.drain()
            stats["bytes"] += len(data)
    except (ConnectionError, OSError, asyncio.CancelledError):
        pass
    finally:
        for w in pair:
            if mode == "reset":
                rst(w)
            else:
                try:
                    w.close()
                except Exception:
                    pass


async def handle(cr, cw):
    stats["connections"] += 1
    if mode == "reset":
        rst(cw)
        return
    try:
        ur, uw = await asyncio.open_connection("127.0.0.1", TARGET)
    except OSError:
        cw.transport.abort()
        return
    pair = (cw, uw)
    conns.add(pair)
    t1 = asyncio.create_task(pipe(cr, uw, pair))
    t2 = asyncio.create_task(pipe(ur, cw, pair))
    await asyncio.wait([t1, t2], return_when=asyncio.FIRST_COMPLETED)
    for t in (t1, t2):
        t.cancel()
    conns.discard(pair)


async def listen():
    global server
    server = await asyncio.start_server(handle, "127.0.0.1", LISTEN, reuse_address=True)


async def control():
    global mode, arg, server
    last = None
    while True:
        try:
            line = open(CTL).readline().split()
        except OSError:
            line = ["pass"]
        cur = (line[0] if line else "pass", int(line[1]) if len(line) > 1 else 0)
        if cur != last:
            mode, arg = cur
            stats["faults"][mode] = stats["faults"].get(mode, 0) + 1
            if mode == "reset":
                for pair in list(conns):
                    for w in pair:
                        rst(w)
            if mode == "partition" and server is not None:
                server.close()
                server = None
            elif mode != "partition" and server is None:
                for _ in range(50):
                    try:
                        await listen()
                        break
                    except OSError:
                        await asyncio.sleep(0.1)
            last = cur
        await asyncio.sleep(0.05)


async def write_stats():
    while True:
        await asyncio.sleep(0.2)
        tmp = STATS + ".tmp"
        with open(tmp, "w") as f:
            json.dump(stats, f)
        os.replace(tmp, STATS)


async def main():
    await listen()
    await asyncio.gather(control(), write_stats())


asyncio.run(main())

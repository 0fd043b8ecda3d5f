"""Minimal Chrome DevTools Protocol client (python3 stdlib only).

Starts a headless Chromium with a fresh profile, connects to its first page
target over a websocket and sends commands; events are collected so a test
can inspect network traffic afterwards (Network domain).
"""
import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request


class Cdp:
    def __init__(self, chromium="/usr/bin/chromium", extra_args=()):
        self.profile = tempfile.mkdtemp(prefix="hf-chromium-")
        args = [chromium, "--headless", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--no-default-browser-check", "--remote-debugging-port=0",
                "--user-data-dir=" + self.profile]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")
        args += list(extra_args)
        args.append("about:blank")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        port = None
        deadline = time.time() + 30
        buf = b""
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            buf += line
            m = re.search(rb"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
                break
        if port is None:
            self.close()
            raise RuntimeError("chromium did not start: " + buf.decode(errors="replace"))
        # Drain stderr in the background so chromium never blocks on it.
        import threading
        threading.Thread(target=self._drain, daemon=True).start()
        targets = []
        for _ in range(50):
            with urllib.request.urlopen("http://127.0.0.1:%d/json" % port) as r:
                targets = [t for t in json.load(r) if t.get("type") == "page"]
            if targets:
                break
            time.sleep(0.1)
        ws = targets[0]["webSocketDebuggerUrl"]
        self._connect(ws)
        self.next_id = 1
        self.events = []

    def _drain(self):
        try:
            while self.proc.stderr.read(65536):
                pass
        except Exception:
            pass

    def _connect(self, url):
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", url)
        host, port, path = m.group(1), int(m.group(2)), m.group(3)
        self.sock = socket.create_connection((host, port))
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n" % (path, host, port, key))
        self.sock.sendall(req.encode())
        resp = b""
        while b"\r\n\r\n" not in resp:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("websocket handshake failed")
            resp += chunk
        if b" 101 " not in resp.split(b"\r\n", 1)[0]:
            raise RuntimeError("websocket handshake refused: %r" % resp[:200])
        self.rbuf = resp.split(b"\r\n\r\n", 1)[1]

    def _recv_exact(self, n):
        while len(self.rbuf) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("websocket closed")
            self.rbuf += chunk
        out, self.rbuf = self.rbuf[:n], self.rbuf[n:]
        return out

    def _send_frame(self, data):
        head = bytearray([0x81])
        n = len(data)
        if n < 126:
            head.append(0x80 | n)
        elif n < 65536:
            head.append(0x80 | 126)
            head += struct.pack(">H", n)
        else:
            head.append(0x80 | 127)
            head += struct.pack(">Q", n)
        mask = os.urandom(4)
        head += mask
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(bytes(head) + body)

    def _recv_message(self):
        msg = b""
        while True:
            b0, b1 = self._recv_exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._recv_exact(8))[0]
            payload = self._recv_exact(n)
            op = b0 & 0x0F
            if op == 8:
                raise RuntimeError("websocket closed by chromium")
            if op in (9, 10):
                continue
            msg += payload
            if b0 & 0x80:
                return json.loads(msg.decode())

    def send(self, method, params=None, timeout=60):
        mid = self.next_id
        self.next_id += 1
        self._send_frame(json.dumps({"id": mid, "method": method,
                                     "params": params or {}}).encode())
        self.sock.settimeout(timeout)
        while True:
            m = self._recv_message()
            if m.get("id") == mid:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def pump(self, seconds):
        """Collect events for a while."""
        end = time.time() + seconds
        while time.time() < end:
            self.sock.settimeout(max(0.05, end - time.time()))
            try:
                m = self._recv_message()
            except socket.timeout:
                break
            if "method" in m:
                self.events.append(m)

    def eval(self, expr, timeout=120):
        """Evaluate a JS expression (promises awaited), return its JSON value."""
        r = self.send("Runtime.evaluate", {"expression": expr, "awaitPromise": True,
                                           "returnByValue": True}, timeout=timeout)
        if "exceptionDetails" in r:
            raise RuntimeError("JS exception: %s" % json.dumps(r["exceptionDetails"])[:2000])
        return r["result"].get("value")

    def wait_for(self, expr, timeout=120):
        end = time.time() + timeout
        while time.time() < end:
            v = self.eval(expr)
            if v:
                return v
            self.pump(0.2)
        raise RuntimeError("timed out waiting for: " + expr)

    def close(self):
        try:
            self.proc.terminate()
            self.proc.wait(10)
        except Exception:
            try:
                self.proc.kill()
            except Exception:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

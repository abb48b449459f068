#!/usr/bin/env python3
"""Load generators, the cancellation relay and the /proc readers of bench/proxies.sh.

Python 3 standard library only (asyncio). Every client talks to 127.0.0.1 and every phase is
bounded in count and time. Times are CLOCK_MONOTONIC (time.monotonic_ns), which is one clock for
every process on the machine, so the relay and the clients can compare their timestamps.

Subcommands (each prints one JSON object on standard output):
  tree ROOT                 the process tree under ROOT (pids)
  ticks ROOT                utime+stime of every process of ROOT's tree, in clock ticks
  healthz --port P --t0-ns N   polls GET /healthz until 200; ms since N (CLOCK_REALTIME ns)
  paced ...                 N token-paced streams at once: completed, CPU ticks, peak RSS
  ttft ...                  N clients connecting within a window: time to first token
  relay ...                 a TCP relay that timestamps when the proxy closes its upstream side
  cancel ...                clients that leave mid-stream and before the first byte
  report ...                writes the proxies section of bench/RESULTS.md
"""
import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
BODY = b'{"model":"llama3.2:3b","prompt":"benchmark prompt","stream":true}'


# ---------------------------------------------------------------- /proc

def _stat_fields(pid):
    with open(f"/proc/{pid}/stat", "rb") as f:
        s = f.read()
    return s[s.rindex(b")") + 2:].split()


def tree(root):
    """root and every process descending from it (nginx's workers, say)."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            ppid = int(_stat_fields(d)[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def ticks(root):
    total = 0
    for p in tree(root):
        try:
            f = _stat_fields(p)
            total += int(f[11]) + int(f[12])
        except (OSError, ValueError, IndexError):
            pass
    return total


def rss_bytes(pids):
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            pass
    return total


# ---------------------------------------------------------------- HTTP client

def request(port, token, headers=None, path="/api/generate"):
    h = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json",
         f"Content-Length: {len(BODY)}"]
    if token:
        h.append(f"Authorization: Bearer {token}")
    for k, v in (headers or {}).items():
        h.append(f"{k}: {v}")
    return ("\r\n".join(h) + "\r\n\r\n").encode() + BODY


class Stream(asyncio.Protocol):
    """One streamed /api/generate: notes the status, the first complete NDJSON line, the lines
    seen and the final {"done":true} line. Closes the connection when the answer is complete.
    A chunked body is de-chunked first: a chunk boundary may fall anywhere, even inside a line."""

    def __init__(self, req, on_line=None):
        self.req = req
        self.on_line = on_line
        self.transport = None
        self.head = b""
        self.status = None
        self.chunked = False
        self.raw = b""        # chunked framing not yet decoded
        self.left = 0         # bytes of the current chunk still to come
        self.lines = 0
        self.last = b""
        self.tail = b""
        self.t_first = None
        self.done = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.req)

    def data_received(self, data):
        now = time.monotonic_ns()
        if self.status is None:
            self.head += data
            i = self.head.find(b"\r\n\r\n")
            if i < 0:
                return
            try:
                self.status = int(self.head[9:12])
            except ValueError:
                self.status = -1
            self.chunked = b"transfer-encoding: chunked" in self.head[:i].lower()
            data = self.head[i + 4:]
            self.head = b""
            if self.status != 200:
                self._finish(False)
                return
        if self.chunked:
            data = self._dechunk(data)
        if not data:
            return
        n = data.count(b"}\n") + (1 if self.last == b"}" and data[:1] == b"\n" else 0)
        self.last = data[-1:]
        if n:
            if self.t_first is None:
                self.t_first = now
            self.lines += n
            if self.on_line:
                self.on_line(self)
        seen = self.tail + data
        if b'"done":true' in seen:
            self._finish(True)
        self.tail = seen[-160:]  # 16 would do; the rest tells how a failed stream ended

    def _dechunk(self, data):
        self.raw += data
        out = []
        while self.raw:
            if self.left > 0:
                take = self.raw[:self.left]
                out.append(take)
                self.left -= len(take)
                self.raw = self.raw[len(take):]
                if self.left == 0:
                    self.left = -2  # the CRLF after the chunk's data
                continue
            if self.left < 0:
                if len(self.raw) < 2:
                    break
                self.raw = self.raw[2:]
                self.left = 0
                continue
            i = self.raw.find(b"\r\n")
            if i < 0:
                break
            size = int(self.raw[:i].split(b";")[0] or b"0", 16)
            self.raw = self.raw[i + 2:]
            if size == 0:
                self.raw = b""
                break
            self.left = size
        return b"".join(out)

    def _finish(self, ok):
        if not self.done.done():
            self.done.set_result(ok)
        if self.transport:
            self.transport.close()

    def connection_lost(self, exc):
        if not self.done.done():
            self.done.set_result(False)


async def one_stream(port, token, headers, timeout):
    """(ok, t0, t_first, why): t0 is taken before connect; why says how a failed stream failed."""
    loop = asyncio.get_running_loop()
    t0 = time.monotonic_ns()
    proto = None
    try:
        _, proto = await asyncio.wait_for(
            loop.create_connection(lambda: Stream(request(port, token, headers)), "127.0.0.1", port), timeout)
        ok = await asyncio.wait_for(asyncio.shield(proto.done), max(0.1, timeout - (time.monotonic_ns() - t0) / 1e9))
        return ok, t0, proto.t_first, None if ok else why(proto, "closed"), None if ok else ending(proto)
    except (OSError, asyncio.TimeoutError) as e:
        if proto is not None and proto.transport:
            proto.transport.close()
        return (False, t0, None, why(proto, "timeout" if isinstance(e, asyncio.TimeoutError) else "connect: " + type(e).__name__),
                ending(proto))


def ending(proto):
    return None if proto is None else proto.tail[-120:].decode("utf-8", "replace")


def why(proto, what):
    if proto is None:
        return what if what != "timeout" else "timeout before connected"
    if proto.status is None:
        return f"{what}, no response head"
    if proto.status != 200:
        return f"status {proto.status}"
    return f"{what} after {proto.lines} lines"


async def burst(port, token, n, window, headers, timeout):
    """n clients, client i starting at i*window/n seconds."""
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    results = []

    async def client(i):
        await asyncio.sleep(max(0.0, start + i * window / n - loop.time()))
        results.append(await one_stream(port, token, headers, timeout))

    await asyncio.gather(*(client(i) for i in range(n)))
    return results


def pct(values, p):
    v = sorted(values)
    if not v:
        return None
    k = (len(v) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


# ---------------------------------------------------------------- phases

def cmd_healthz(a):
    """Started before the target: says it is ready (creates READY), waits for the script to write
    the launch time (CLOCK_REALTIME, ns) into T0_FILE, then polls GET /healthz every 5 ms until 200."""
    open(a.ready, "w").close()
    deadline = time.monotonic() + a.timeout
    while not os.path.exists(a.t0_file) and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(0.001)
    with open(a.t0_file) as f:
        t0 = f.read().strip()
    t0_ns = int(t0.replace(".", "")) * 1000 if "." in t0 else int(t0)  # bash's $EPOCHREALTIME: s.us
    req = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{a.port}\r\nConnection: close\r\n\r\n".encode()
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", a.port), timeout=1) as s:
                s.sendall(req)
                got = s.recv(64)
                if got[9:12] == b"200":
                    return {"ms": (time.time_ns() - t0_ns) / 1e6}
        except OSError:
            pass
        time.sleep(0.005)
    return {"ms": None, "error": f"no 200 from /healthz within {a.timeout}s"}


def cmd_paced(a):
    headers = {"X-Sim-Tokens": a.tokens, "X-Sim-Tokens-Per-Second": a.tps}

    async def run():
        pids = tree(a.root)
        peak = rss_bytes(pids)
        c0 = ticks(a.root)
        t0 = time.monotonic()
        task = asyncio.ensure_future(burst(a.port, a.token, a.n, a.ramp, headers, a.timeout))
        while not task.done():
            await asyncio.sleep(0.05)
            peak = max(peak, rss_bytes(pids))
        res = task.result()
        c1 = ticks(a.root)
        ok = sum(1 for r in res if r[0])
        return {"completed": ok, "errors": a.n - ok, "cpu_ticks": c1 - c0, "clk_tck": CLK_TCK,
                "peak_rss_mb": peak / 1e6, "secs": time.monotonic() - t0, "failures": failures(res),
                "failed_endings": examples(res)}

    return asyncio.run(run())


def cmd_ttft(a):
    headers = {"X-Sim-Tokens": a.tokens, "X-Sim-Tokens-Per-Second": a.tps}
    res = asyncio.run(burst(a.port, a.token, a.n, a.window, headers, a.timeout))
    ttft = [(r[2] - r[1]) / 1e6 for r in res if r[0] and r[2] is not None]
    return {"completed": len(ttft), "errors": a.n - len(ttft), "p50_ms": pct(ttft, 50), "p99_ms": pct(ttft, 99),
            "max_ms": max(ttft) if ttft else None, "failures": failures(res),
            "failed_endings": examples(res)}


def failures(res):
    out = {}
    for r in res:
        if not r[0]:
            out[r[3]] = out.get(r[3], 0) + 1
    return out


def examples(res, k=2):
    """The last bytes of a few failed streams' bodies."""
    return [r[4] for r in res if not r[0] and r[4]][:k]


# ---------------------------------------------------------------- relay

BENCH_ID = re.compile(rb"x-bench-id: *(\d+)", re.I)


class Relay:
    """Forwards each connection from the proxy to the simulator. Remembers, per request id (the
    X-Bench-Id header the cancel client sends), when its request reached the relay and when the
    proxy closed the upstream connection that carried it."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.seen = {}     # id -> ns
        self.closed = {}   # id -> ns
        self.waiters = []  # (kind, id, future)

    def note(self, kind, rid, ns):
        (self.seen if kind == "seen" else self.closed).setdefault(rid, ns)
        for w in list(self.waiters):
            if w[0] == kind and w[1] == rid and not w[2].done():
                w[2].set_result(ns)

    async def wait(self, kind, rid, timeout):
        table = self.seen if kind == "seen" else self.closed
        if rid in table:
            return table[rid]
        fut = asyncio.get_running_loop().create_future()
        w = (kind, rid, fut)
        self.waiters.append(w)
        try:
            return await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            return None
        finally:
            self.waiters.remove(w)


class Downstream(asyncio.Protocol):
    """The proxy's side of one relayed connection."""

    def __init__(self, relay):
        self.relay = relay
        self.up = None
        self.pending = []
        self.rid = None
        self.carry = b""
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        loop = asyncio.get_running_loop()
        loop.create_task(self._connect(loop))

    async def _connect(self, loop):
        try:
            t, _ = await loop.create_connection(lambda: Upstream(self), "127.0.0.1", self.relay.upstream_port)
        except OSError:
            self.transport.close()
            return
        self.up = t
        for d in self.pending:
            t.write(d)
        self.pending = []

    def data_received(self, data):
        now = time.monotonic_ns()
        scan = self.carry + data
        for m in BENCH_ID.finditer(scan):
            self.rid = int(m.group(1))
            self.relay.note("seen", self.rid, now)
        self.carry = scan[-40:]
        if self.up:
            self.up.write(data)
        else:
            self.pending.append(data)

    def _closed(self):
        if self.rid is not None:
            self.relay.note("closed", self.rid, time.monotonic_ns())
        if self.up:
            self.up.close()

    def eof_received(self):
        self._closed()
        return False

    def connection_lost(self, exc):
        self._closed()


class Upstream(asyncio.Protocol):
    def __init__(self, down):
        self.down = down

    def data_received(self, data):
        self.down.transport.write(data)

    def connection_lost(self, exc):
        self.down.transport.close()


def cmd_relay(a):
    async def run():
        relay = Relay(a.upstream)
        loop = asyncio.get_running_loop()
        srv = await loop.create_server(lambda: Downstream(relay), "127.0.0.1", a.listen, backlog=1024)

        async def control(reader, writer):
            # "seen ID TIMEOUT" / "closed ID TIMEOUT" -> "NS" or "none"
            while line := await reader.readline():
                kind, rid, timeout = line.decode().split()
                ns = await relay.wait(kind, int(rid), float(timeout))
                writer.write(f"{ns if ns is not None else 'none'}\n".encode())
                await writer.drain()
            writer.close()

        ctl = await asyncio.start_server(control, "127.0.0.1", a.control)
        print(json.dumps({"listening": a.listen}), flush=True)
        await asyncio.sleep(a.lifetime)  # bounded: the script stops it long before
        srv.close()
        ctl.close()

    asyncio.run(run())
    return None


def cmd_cancel(a):
    async def ask(reader, writer, kind, rid, timeout):
        writer.write(f"{kind} {rid} {timeout}\n".encode())
        await writer.drain()
        got = (await reader.readline()).decode().strip()
        return None if got in ("none", "") else int(got)

    async def trial(reader, writer, rid, mid):
        loop = asyncio.get_running_loop()
        headers = {"X-Bench-Id": rid}
        if mid:
            headers.update({"X-Sim-Tokens": 1000, "X-Sim-Tokens-Per-Second": 20})
        else:
            headers.update({"X-Sim-Tokens": 5, "X-Sim-First-Byte-Delay-Ms": int(a.first_byte_delay * 1000)})
        three = loop.create_future()

        def on_line(s):
            if s.lines >= 3 and not three.done():
                three.set_result(True)

        try:
            transport, proto = await loop.create_connection(
                lambda: Stream(request(a.port, a.token, headers), on_line), "127.0.0.1", a.port)
        except OSError as e:
            return {"error": f"connect: {e}"}
        try:
            if mid:
                await asyncio.wait_for(asyncio.shield(three), 10)
            else:
                if await ask(reader, writer, "seen", rid, 10) is None:
                    return {"error": "the request never reached the upstream"}
                await asyncio.sleep(0.05)  # the proxy is now waiting for the first byte
        except asyncio.TimeoutError:
            return {"error": f"no 3 lines, status {proto.status}"}
        t0 = time.monotonic_ns()
        transport.close()
        ns = await ask(reader, writer, "closed", rid, a.wait)
        return {"ms": None if ns is None else max(0, ns - t0) / 1e6}

    async def run():
        reader, writer = await asyncio.open_connection("127.0.0.1", a.control)
        out = {"mid": [], "pre": [], "errors": []}
        rid = a.id_base
        for phase, mid in (("mid", True), ("pre", False)):
            never = 0
            for _ in range(a.n):
                rid += 1
                r = await trial(reader, writer, rid, mid)
                if "error" in r:
                    out["errors"].append(f"{phase}: {r['error']}")
                    continue
                out[phase].append(r["ms"])
                never = never + 1 if r["ms"] is None else 0
                if never >= 3:
                    break  # it never cancels: no point waiting out the rest
                await asyncio.sleep(0.1)
        writer.close()
        return out

    return asyncio.run(run())


# ---------------------------------------------------------------- wrk

WRK_REQS = re.compile(r"(\d+) requests in ([\d.]+)(us|ms|s|m)")


def wrk_lua(a):
    lines = [f'wrk.method = "{a.method}"', f'wrk.headers["Authorization"] = "Bearer {a.token}"']
    if a.method == "POST":
        lines += [f"wrk.body = '{BODY.decode()}'", 'wrk.headers["Content-Type"] = "application/json"']
    path = os.path.join(a.workdir, f"wrk-{a.method}.lua")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def run_wrk(a, duration):
    import subprocess
    lua = wrk_lua(a)
    c0 = ticks(a.root) if a.root else 0
    t0 = time.monotonic()
    out = subprocess.run(["wrk", "-t1", f"-c{a.conns}", f"-d{duration}s", "--timeout", "10s", "-s", lua,
                          f"http://127.0.0.1:{a.port}{a.path}"], capture_output=True, text=True, timeout=duration + 60)
    secs = time.monotonic() - t0
    c1 = ticks(a.root) if a.root else 0
    m = WRK_REQS.search(out.stdout)
    if not m:
        return {"error": "wrk: " + (out.stdout + out.stderr)[-300:]}
    total = int(m.group(1))
    took = float(m.group(2)) * {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60}[m.group(3)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out.stdout)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out.stdout)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)
    ok = total - (int(non2xx.group(1)) if non2xx else 0)
    return {"requests": ok, "errors": errors, "rps": ok / took, "ticks": c1 - c0, "clk_tck": CLK_TCK, "secs": secs, "took": took}


def cmd_wrk(a):
    return run_wrk(a, a.duration)


def cmd_first5(a):
    """Five one-second wrk runs back to back, started right after /healthz answered 200."""
    runs = [run_wrk(a, 1) for _ in range(5)]
    bad = [r["error"] for r in runs if "error" in r]
    if bad:
        return {"error": bad[0]}
    return {"rps": [r["rps"] for r in runs], "errors": sum(r["errors"] for r in runs)}


# ---------------------------------------------------------------- report

def cmd_report(a):
    import report  # bench/proxies/report.py
    return report.write(a)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tag", default="{}", help="JSON object merged into the output")
    p.add_argument("--append", help="also append the output as one line to this file")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("tree"); s.add_argument("root", type=int)
    s = sub.add_parser("ticks"); s.add_argument("root", type=int)
    s = sub.add_parser("healthz"); s.add_argument("--port", type=int, required=True)
    s.add_argument("--t0-file", required=True); s.add_argument("--ready", required=True)
    s.add_argument("--timeout", type=float, default=60)
    for name in ("paced", "ttft"):
        s = sub.add_parser(name)
        s.add_argument("--port", type=int, required=True); s.add_argument("--token", default="")
        s.add_argument("--n", type=int, default=1000); s.add_argument("--tokens", type=int, required=True)
        s.add_argument("--tps", type=float, required=True); s.add_argument("--timeout", type=float, default=60)
        if name == "paced":
            s.add_argument("--root", type=int, required=True); s.add_argument("--ramp", type=float, default=1.0)
        else:
            s.add_argument("--window", type=float, default=2.0)
    s = sub.add_parser("relay")
    s.add_argument("--listen", type=int, required=True); s.add_argument("--upstream", type=int, required=True)
    s.add_argument("--control", type=int, required=True); s.add_argument("--lifetime", type=float, default=7200)
    s = sub.add_parser("cancel")
    s.add_argument("--port", type=int, required=True); s.add_argument("--token", default="")
    s.add_argument("--control", type=int, required=True); s.add_argument("--n", type=int, default=5)
    s.add_argument("--id-base", type=int, default=0); s.add_argument("--wait", type=float, default=2.0)
    s.add_argument("--first-byte-delay", type=float, default=4.0)
    for name in ("wrk", "first5"):
        s = sub.add_parser(name)
        s.add_argument("--port", type=int, required=True); s.add_argument("--token", required=True)
        s.add_argument("--path", default="/api/generate"); s.add_argument("--method", default="POST")
        s.add_argument("--conns", type=int, default=64); s.add_argument("--root", type=int, default=0)
        s.add_argument("--workdir", required=True)
        if name == "wrk":
            s.add_argument("--duration", type=int, default=5)
    s = sub.add_parser("report")
    s.add_argument("--results", required=True); s.add_argument("--meta", required=True)
    s.add_argument("--out", required=True)
    a = p.parse_args()
    if a.cmd == "tree":
        out = tree(a.root)
    elif a.cmd == "ticks":
        out = ticks(a.root)
    else:
        out = globals()["cmd_" + a.cmd](a)
    if isinstance(out, dict):
        out = {**json.loads(a.tag), **out}
        if a.append:
            with open(a.append, "a") as f:
                f.write(json.dumps(out) + "\n")
    if out is not None:
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()

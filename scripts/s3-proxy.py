#!/usr/bin/env python3
"""A small HTTP/1.1 fault-and-latency proxy for loopback S3 endpoints (tests and benchmarks).

One upstream connection per client connection; requests on a keep-alive connection are
handled in order. `Expect: 100-continue` is answered by the proxy itself. Bodies are framed by Content-Length or chunked transfer coding, in both
directions (a response without either is read to end of stream, then the connection closes).

    s3-proxy.py --listen 0 --upstream 127.0.0.1:8333 --latency-ms 20
    s3-proxy.py --listen 0 --upstream 127.0.0.1:8333 --fault-rate 0.1 --faults 503,reset --seed 7

With --listen 0 the first stdout line is `listening PORT`. On SIGTERM or SIGINT the proxy
writes --stats-file (JSON: forwarded, faulted, by_fault, by_method) and exits 0.
Python 3 standard library only.
"""

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import struct
import sys

FAULT_KINDS = ("503", "slowdown", "reset", "truncate", "timeout")


class Stats:
    def __init__(self):
        self.forwarded = 0
        self.faulted = 0
        self.by_fault = {kind: 0 for kind in FAULT_KINDS}
        self.by_method = {}

    def as_json(self):
        return {"forwarded": self.forwarded, "faulted": self.faulted,
                "by_fault": self.by_fault, "by_method": self.by_method}


class Proxy:
    def __init__(self, options):
        self.options = options
        self.upstream_host, _, port = options.upstream.rpartition(":")
        self.upstream_port = int(port)
        self.random = random.Random(options.seed)
        self.faults = [kind for kind in options.faults.split(",") if kind]
        for kind in self.faults:
            if kind not in FAULT_KINDS:
                raise SystemExit(f"s3-proxy: unknown fault kind {kind!r} (known: {','.join(FAULT_KINDS)})")
        self.stats = Stats()

    def pick_fault(self, method):
        """The fault for this request, or None. Deterministic for a given --seed and request order."""
        if self.options.only and method != self.options.only:
            return None
        if not self.faults or self.options.fault_rate <= 0:
            return None
        if self.random.random() >= self.options.fault_rate:
            return None
        return self.faults[self.random.randrange(len(self.faults))]

    async def handle(self, client_reader, client_writer):
        upstream_writer = None
        try:
            upstream_reader = None
            while True:
                head = await read_head(client_reader)
                if head is None:
                    return
                request_line, headers = head
                method = request_line.split(" ", 1)[0].upper()
                self.stats.by_method[method] = self.stats.by_method.get(method, 0) + 1
                if (header(headers, "expect") or "").lower() == "100-continue":
                    # Answered here (the whole body is read before forwarding); upstream never sees it.
                    headers = [(name, value) for name, value in headers if name.lower() != "expect"]
                    client_writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                    await client_writer.drain()
                body = await read_body(client_reader, headers, is_request=True)
                fault = self.pick_fault(method)
                if fault is not None:
                    self.stats.faulted += 1
                    self.stats.by_fault[fault] += 1
                if self.options.latency_ms > 0:
                    await asyncio.sleep(self.options.latency_ms / 1000)
                if fault in ("503", "slowdown"):
                    code = "SlowDown" if fault == "slowdown" else "ServiceUnavailable"
                    message = "Please reduce your request rate." if fault == "slowdown" else "Injected fault."
                    payload = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
                               "<Message>%s</Message><RequestId>s3-proxy</RequestId></Error>" % (code, message))
                    data = payload.encode()
                    closing = wants_close(headers)
                    client_writer.write(
                        b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\n"
                        + (b"Connection: close\r\n" if closing else b"")
                        + b"Content-Length: %d\r\n\r\n" % len(data) + (b"" if method == "HEAD" else data))
                    await client_writer.drain()
                    if closing:
                        return
                    continue
                if fault == "reset":
                    abort(client_writer)
                    return
                if fault == "timeout":
                    await asyncio.sleep(self.options.timeout_s)
                    return
                if upstream_writer is None:
                    upstream_reader, upstream_writer = await asyncio.open_connection(
                        self.upstream_host, self.upstream_port)
                upstream_writer.write(serialize(request_line, headers) + body)
                await upstream_writer.drain()
                self.stats.forwarded += 1
                response = await read_head(upstream_reader)
                if response is None:
                    abort(client_writer)
                    return
                status_line, response_headers = response
                status = int(status_line.split(" ", 2)[1])
                has_body = method != "HEAD" and status >= 200 and status not in (204, 304)
                response_body = await read_body(upstream_reader, response_headers, is_request=False) if has_body else b""
                if fault == "truncate":
                    # Headers as sent (Content-Length stays the full length), half the body, then close.
                    client_writer.write(serialize(status_line, response_headers) + response_body[: len(response_body) // 2])
                    await client_writer.drain()
                    return
                client_writer.write(serialize(status_line, response_headers) + response_body)
                await client_writer.drain()
                if wants_close(headers) or wants_close(response_headers) or not framed(response_headers, has_body):
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            for writer in (client_writer, upstream_writer):
                if writer is not None and not writer.is_closing():
                    writer.close()


async def read_head(reader):
    """(start line, [(name, value)]) of the next message, or None at a clean end of stream."""
    try:
        data = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if not error.partial:
            return None
        raise
    lines = data[:-4].decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return lines[0], headers


def header(headers, name):
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def wants_close(headers):
    return (header(headers, "connection") or "").lower() == "close"


def framed(headers, has_body):
    return not has_body or header(headers, "content-length") is not None or "chunked" in (
        header(headers, "transfer-encoding") or "").lower()


async def read_body(reader, headers, is_request):
    """The raw body bytes as they are framed on the wire (chunked bodies keep their framing)."""
    if "chunked" in (header(headers, "transfer-encoding") or "").lower():
        parts = []
        while True:
            size_line = await reader.readuntil(b"\r\n")
            parts.append(size_line)
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                while True:  # trailers, then the empty line
                    line = await reader.readuntil(b"\r\n")
                    parts.append(line)
                    if line == b"\r\n":
                        return b"".join(parts)
            parts.append(await reader.readexactly(size + 2))
    length = header(headers, "content-length")
    if length is not None:
        return await reader.readexactly(int(length))
    return b"" if is_request else await reader.read()


def serialize(start_line, headers):
    return ("\r\n".join([start_line] + [f"{name}: {value}" for name, value in headers]) + "\r\n\r\n").encode("latin-1")


def abort(writer):
    """Closes with an RST instead of a FIN (SO_LINGER with a zero timeout)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def watch_parent(parent, stop):
    """Sets `stop` once this process has been re-parented (its parent died)."""
    while os.getppid() == parent:
        await asyncio.sleep(1)
    stop.set()


async def main():
    parser = argparse.ArgumentParser(description="HTTP/1.1 fault-and-latency proxy for loopback S3")
    parser.add_argument("--listen", type=int, default=0, help="port on 127.0.0.1 (0: pick one)")
    parser.add_argument("--upstream", required=True, help="HOST:PORT of the S3 endpoint")
    parser.add_argument("--latency-ms", type=float, default=0, help="added to every request before forwarding")
    parser.add_argument("--fault-rate", type=float, default=0, help="fraction of requests faulted (0..1)")
    parser.add_argument("--faults", default="503", help="comma-separated: " + ",".join(FAULT_KINDS))
    parser.add_argument("--seed", type=int, default=0, help="seed for choosing faulted requests")
    parser.add_argument("--timeout-s", type=float, default=30, help="how long a 'timeout' fault holds a request")
    parser.add_argument("--only", help="fault only requests with this method (e.g. GET)")
    parser.add_argument("--stats-file", help="JSON counts written on SIGTERM/SIGINT")
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="exit (as on SIGTERM) once the starting process is gone, e.g. a crashed test")
    options = parser.parse_args()
    if options.only:
        options.only = options.only.upper()
    proxy = Proxy(options)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", options.listen)
    port = server.sockets[0].getsockname()[1]
    print(f"listening {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if options.exit_with_parent:
        asyncio.create_task(watch_parent(os.getppid(), stop))
    await stop.wait()
    server.close()
    if options.stats_file:
        with open(options.stats_file, "w") as file:
            json.dump(proxy.stats.as_json(), file)
            file.write("\n")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)

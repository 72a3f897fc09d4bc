"""HTTP load for the bench: many readers on keep-alive connections, driven by
one asyncio loop on raw sockets so that the client costs little CPU beside the
server it measures (the machine has 2 cores)."""
import asyncio
import statistics
import time


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def latency_figures(seconds):
    """{p50, p95, p99, mean, max} in milliseconds of a list of durations."""
    if not seconds:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "mean_ms": None,
                "max_ms": None}
    ms = [value * 1000 for value in seconds]
    return {"p50_ms": round(percentile(ms, 0.50), 2), "p95_ms": round(percentile(ms, 0.95), 2),
            "p99_ms": round(percentile(ms, 0.99), 2), "mean_ms": round(statistics.mean(ms), 2),
            "max_ms": round(max(ms), 2)}


async def _reader(host, port, request, stop_at, latencies, errors):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            if status == 200:
                latencies.append(time.perf_counter() - started)
            else:
                errors.append(status)
    finally:
        writer.close()


async def _hammer(host, port, request, concurrency, seconds):
    latencies, errors = [], []
    started = time.perf_counter()
    stop_at = started + seconds
    results = await asyncio.gather(*(
        _reader(host, port, request, stop_at, latencies, errors) for _ in range(concurrency)),
        return_exceptions=True)
    elapsed = time.perf_counter() - started
    failures = [repr(result) for result in results if isinstance(result, Exception)]
    return latencies, errors, failures, elapsed


def hammer(url, path, headers=None, concurrency=50, seconds=10.0, warmup=1.0):
    """GET `path` from `concurrency` keep-alive readers for `seconds` (after
    `warmup` seconds not counted). Answers {requests, errors, rps, p50_ms, ...}."""
    host, port = url.removeprefix("http://").split(":")
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    if warmup:
        asyncio.run(_hammer(host, int(port), request, concurrency, warmup))
    latencies, errors, failures, elapsed = asyncio.run(
        _hammer(host, int(port), request, concurrency, seconds))
    return {"concurrency": concurrency, "seconds": round(elapsed, 2),
            "requests": len(latencies), "errors": len(errors) + len(failures),
            "error_sample": (sorted(set(map(str, errors))) + failures)[:3],
            "rps": round(len(latencies) / elapsed, 1), **latency_figures(latencies)}

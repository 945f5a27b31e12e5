"""Benchmark: HTTP load on the production server (``scripts/serve``: gunicorn, DEBUG off) over
loopback — product page cached and uncached, home page cached and uncached, a datasheet
download. Prints a markdown section for ``docs/benchmarks.md``.

Load generator: ``wrk`` (Debian package ``wrk``; installed with apt-get when missing and run
as root), with a Lua script that reports latency percentiles and non-2xx answers as JSON.
wrk runs on the same machine and competes with the server for the processors: the load
average after each run is reported.

The demo catalog is built once in ``--var-dir`` (migrate, ``import_etim --demo-subset``,
``demo_catalog``, ``search_reindex``) and reused by later runs. Baselines in the same run:
the same page with the page cache off (``PIM_PAGE_CACHE_TIMEOUT=0``), and the cached page
with a per-process cache (``locmem://``, not correct across workers: the cost of the
shared default store).

Run from the project root::

    .venv/bin/python bench/http_load.py [--duration 30] [--connections 50] [--products 2000]
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).absolute().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")

WRK_LUA = r"""
local non_2xx = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) failures = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then failures = failures + 1 end
end
function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("failures") end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "non_2xx": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, "bytes": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, failed, e.connect, e.read, e.write, e.timeout, summary.bytes))
end
"""


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("==> installing wrk (Debian package)", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, stdout=subprocess.DEVNULL)
        if not shutil.which("wrk"):
            subprocess.run(["apt-get", "update", "-qq"], check=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
        return shutil.which("wrk")
    sys.exit("This benchmark needs wrk: apt-get install wrk (Debian), then run it again.")


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def build_catalog(env, var_dir: Path, products: int) -> None:
    marker = var_dir / f"bench-catalog-{products}"
    if marker.exists():
        return
    print(f"==> building the demo catalog ({products} products) in {var_dir}", file=sys.stderr)
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "import_etim", "--demo-subset")
    manage(env, "demo_catalog", "--products", str(products))
    manage(env, "search_reindex")
    marker.touch()


def sample_urls(env) -> dict:
    """A public product with a generated datasheet, and how many public products there are."""
    code = """
import json, django
django.setup()
from pim.assets.downloads import datasheet_url
from pim.catalog.models import Product
public = Product.objects.publicly_visible().order_by("article_number_key")
product = public[len(public) // 2]
print(json.dumps({"product": f"/products/{product.article_number}/", "public": public.count(),
                  "datasheet": datasheet_url(product, "en")}))
"""
    result = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"Could not read the demo catalog:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


class Server:
    """scripts/serve (gunicorn with the repository's gunicorn.conf.py), no task worker."""

    def __init__(self, env, port: int, **extra):
        self.env = {**env, **extra, "PIM_ADDRESS": f"127.0.0.1:{port}", "PIM_WORKER": "0"}
        self.base = f"http://127.0.0.1:{port}"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - read when the server fails to start
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "serve")],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                sys.exit(f"scripts/serve ended:\n{self.log.read().decode(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2):  # noqa: S310 - http only
                    return self
            except OSError:
                time.sleep(0.5)
        sys.exit("scripts/serve did not answer /healthz within 120 s")

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=60)

    def fetch(self, path: str) -> tuple[int, dict, int]:
        with urllib.request.urlopen(f"{self.base}{path}", timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), len(response.read())


def run_wrk(wrk: str, url: str, *, duration: int, connections: int, threads: int, lua: Path) -> dict:
    result = subprocess.run(
        [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(lua), url],
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("WRK_JSON "))
    data = json.loads(line.removeprefix("WRK_JSON "))
    data["load"] = os.getloadavg()[0]
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    data["errors"] = data["non_2xx"] + data["connect"] + data["read"] + data["write"] + data["timeout"]
    return data


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds per run (default 30)")
    parser.add_argument("--connections", type=int, default=50, help="concurrent connections (default 50)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--products", type=int, default=2000, help="demo catalog size (default 2000)")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument(
        "--var-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "pim-http-bench",
        help="PIM_VAR_DIR of the benchmark (the catalog is built there once and reused)",
    )
    args = parser.parse_args()

    wrk = require_wrk()
    args.var_dir.mkdir(parents=True, exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PIM_", "DATABASE_URL", "ELASTICSEARCH_", "DJANGO_"))
    }
    env.update(
        PIM_VAR_DIR=str(args.var_dir),
        PIM_SECRET_KEY=secrets.token_urlsafe(50),
        PIM_ACCESS_LOG="",  # a log line per request would be measured too
        PIM_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="pim.settings",
        PATH=f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
    )
    build_catalog(env, args.var_dir, args.products)
    urls = sample_urls(env)
    lua = args.var_dir / "report.lua"
    lua.write_text(WRK_LUA)
    load = {"duration": args.duration, "connections": args.connections, "threads": args.threads, "lua": lua}

    # (label, path, server settings); the shared default cache lives in the var dir.
    scenarios = [
        ("product page, cached (default file cache)", urls["product"], {}),
        ("product page, cached (locmem, per process)", urls["product"], {"PIM_CACHE_URL": "locmem://"}),
        ("product page, uncached (page cache off)", urls["product"], {"PIM_PAGE_CACHE_TIMEOUT": "0"}),
        ("home page, cached", "/", {}),
        ("home page, uncached (page cache off)", "/", {"PIM_PAGE_CACHE_TIMEOUT": "0"}),
        ("datasheet PDF download", urls["datasheet"], {}),
    ]
    results = []
    for label, path, extra in scenarios:
        with Server(env, args.port, **extra) as server:
            status, headers, size = server.fetch(path)  # warms the cache / generates the datasheet
            status, headers, size = server.fetch(path)
            cache = headers.get("X-Page-Cache", "-")
            print(f"==> {label}: {path} ({status}, {size} bytes, X-Page-Cache {cache})", file=sys.stderr)
            time.sleep(3)  # let the load average of the start settle a little
            data = run_wrk(wrk, server.base + path, **load)
            data.update(label=label, path=path, size=size, cache=cache)
            results.append(data)
            print(
                f"    {data['rps']:.0f} req/s, p95 {data['p95_us'] / 1000:.1f} ms, errors {data['errors']}",
                file=sys.stderr,
            )

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    by_label = {r["label"]: r for r in results}
    workers = os.environ.get("PIM_WORKERS") or str(2 * os.cpu_count() + 1)
    print(f"\n## HTTP load: public pages and a download ({time.strftime('%Y-%m-%d')})\n")
    print(
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; "
        f"commit {commit}{' with uncommitted changes' if dirty else ''}. Demo catalog of {args.products} "
        f"products ({urls['public']} public) on SQLite. Server: `scripts/serve` (gunicorn, {workers} "
        f"workers × 2 threads, DEBUG off, no access log). Load: wrk, {args.connections} connections, "
        f"{args.threads} threads, {args.duration} s per run, on the same machine over loopback.\n"
    )
    print(
        f"Command: `.venv/bin/python bench/http_load.py --duration {args.duration} "
        f"--connections {args.connections} --products {args.products}`\n"
    )
    print("| run | req/s | p50 ms | p95 ms | p99 ms | errors | load avg (1 min) | bytes |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['label']} | {r['rps']:.0f} | {r['p50_us'] / 1000:.1f} | {r['p95_us'] / 1000:.1f} | "
            f"{r['p99_us'] / 1000:.1f} | {r['errors']} | {r['load']:.2f} | {r['size']} |"
        )
    cached = by_label["product page, cached (default file cache)"]
    uncached = by_label["product page, uncached (page cache off)"]
    locmem = by_label["product page, cached (locmem, per process)"]
    home = by_label["home page, cached"]
    home_uncached = by_label["home page, uncached (page cache off)"]
    print(
        f"\nRatios: product page cached/uncached **{cached['rps'] / uncached['rps']:.1f}×** req/s "
        f"(p95 {cached['p95_us'] / 1000:.1f} vs {uncached['p95_us'] / 1000:.1f} ms); home page "
        f"cached/uncached {home['rps'] / home_uncached['rps']:.1f}×; shared file cache vs per-process "
        f"locmem {cached['rps'] / locmem['rps']:.2f}×."
    )


if __name__ == "__main__":
    main()

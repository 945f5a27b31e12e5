"""Benchmark: public asset downloads — throughput of a large file and memory of the
"all documents as one ZIP" stream. Prints a markdown section for ``docs/benchmarks.md``.

1. **Throughput** of one large STEP-like file (default 200 MB) downloaded through the real
   view (visibility check, counting, headers), bytes written into a local socket that a
   reader thread drains, like a WSGI server writing to a client:

   - *Django streaming* (``PIM_ASSET_DELIVERY=django``): Python reads and writes every chunk;
   - *X-Accel-Redirect / X-Sendfile*: Django only answers headers; the web server then sends
     the file with ``sendfile(2)`` — measured here as the view plus ``os.sendfile`` into the
     same socket (what nginx does, without nginx);
   - *baseline*: ``os.sendfile`` alone (the kernel's floor).

2. **ZIP of all documents**: peak Python memory (tracemalloc) while streaming the ZIP of a
   product with N linked documents, against the naive way (build the ZIP in a BytesIO).

Run from the project root (uses its own temporary SQLite database and media folder)::

    .venv/bin/python bench/assets_download.py [--size-mb 200] [--zip-counts 10,100,400] [--doc-kb 256]
"""

import argparse
import io
import os
import platform
import secrets
import shutil
import socket
import sys
import tempfile
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path

ROOT = Path(__file__).absolute().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="assets-bench-"))
os.environ["PIM_VAR_DIR"] = str(WORK)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pim.settings")
os.environ["PIM_DEBUG"] = "0"
os.environ.setdefault("PIM_SECRET_KEY", secrets.token_urlsafe(50))
os.environ["PIM_ALLOWED_HOSTS"] = "testserver"
os.environ.pop("DATABASE_URL", None)


def _setup():
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _sink():
    """A connected socket pair and a thread that drains the reading end; returns
    (writer socket, thread, counter)."""
    writer, reader = socket.socketpair()
    received = [0]

    def drain():
        buffer = bytearray(4 << 20)
        while True:
            n = reader.recv_into(buffer)
            if not n:
                break
            received[0] += n
        reader.close()

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    return writer, thread, received


def _timed(run) -> tuple[float, float, int]:
    """(total seconds, seconds a Python worker was busy, bytes received)."""
    writer, thread, received = _sink()
    start = time.perf_counter()
    worker = run(writer)
    writer.shutdown(socket.SHUT_WR)
    thread.join()
    elapsed = time.perf_counter() - start
    writer.close()
    return elapsed, elapsed if worker is None else worker, received[0]


def _make_big_asset(size_mb: int):
    from django.conf import settings

    from pim.assets.models import AssetKind
    from pim.assets.services import create_asset, link_asset
    from tests.factories import make_product, make_valve_family

    settings.PIM_ASSET_MAX_UPLOAD_MB = size_mb + 10
    family = make_valve_family("bench")
    product = make_product(family, article_number="BENCH-1")
    path = WORK / "big.step"
    block = (b"#1=CARTESIAN_POINT('',(0.,0.,0.));\n" * 30000)[: 1 << 20]
    with open(path, "wb") as handle:
        handle.write(b"ISO-10303-21;\nHEADER;\nENDSEC;\nDATA;\n")
        for _ in range(size_mb):
            handle.write(block)
    with open(path, "rb") as handle:
        asset = create_asset(handle, filename="big.step", kind=AssetKind.CAD_3D).asset
    link_asset(asset, product)
    path.unlink()
    return asset, product


def bench_throughput(size_mb: int, repeats: int) -> list[tuple[str, float, float]]:
    from django.conf import settings
    from django.test import Client

    from pim.assets.downloads import asset_url

    asset, product = _make_big_asset(size_mb)
    url = asset_url(asset, product)
    path = asset.current_revision.file.path
    size = asset.current_revision.size
    client = Client()

    def streaming(block_size):
        def run(sock):
            settings.PIM_ASSET_DELIVERY = "django"
            response = client.get(url)
            assert response.status_code == 200
            response.block_size = block_size
            for chunk in response.streaming_content:
                sock.sendall(chunk)
            response.close()

        return run

    def accel(sock):
        settings.PIM_ASSET_DELIVERY = "x-accel-redirect"
        start = time.perf_counter()
        response = client.get(url)
        worker = time.perf_counter() - start
        assert response.status_code == 200 and response["X-Accel-Redirect"]
        _sendfile(sock)
        return worker

    def _sendfile(sock):
        with open(path, "rb") as handle:
            offset = 0
            while offset < size:
                offset += os.sendfile(sock.fileno(), handle.fileno(), offset, size - offset)

    results = []
    for label, run in [
        ("baseline: os.sendfile alone", _sendfile),
        ("X-Accel-Redirect: view, then the web server's sendfile", accel),
        ("Django streaming, 256 KB blocks (the project's setting)", streaming(256 * 1024)),
        ("Django streaming, 4 KB blocks (Django's default)", streaming(4096)),
    ]:
        best = None
        for _ in range(repeats):
            elapsed, worker, received = _timed(run)
            assert received == size, (label, received, size)
            if best is None or elapsed < best[0]:
                best = (elapsed, worker)
        results.append((label, best[0], best[1], size / best[0] / (1 << 20)))
    return results


def padded_pdf(size: int) -> bytes:
    """A valid one-page PDF carrying ``size`` incompressible bytes in a stream (validation opens
    every PDF, so random bytes behind a header no longer pass as a document)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> /PieceInfo << /Pad 4 0 R >> >>",
    ]
    padding = os.urandom(size)
    objects.append(b"<< /Length %d >>\nstream\n" % len(padding) + padding + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def bench_zip(counts: list[int], doc_kb: int) -> list[tuple[int, float, float, float, int]]:
    from django.test import Client

    from pim.assets.downloads import product_zip_url
    from pim.assets.models import AssetKind
    from pim.assets.services import create_asset, link_asset
    from pim.assets.views import product_zip_members
    from tests.factories import make_product, make_valve_family

    family = make_valve_family("zipbench")
    client = Client()
    rows = []
    made = 0
    product = make_product(family, article_number="ZIP-1")
    for count in counts:
        while made < count:
            data = padded_pdf(doc_kb * 1024)
            asset = create_asset(io.BytesIO(data), filename=f"doc-{made}.pdf", kind=AssetKind.MANUAL).asset
            link_asset(asset, product)
            made += 1
        client.get(product_zip_url(product))  # warm up: datasheets generated and cached
        tracemalloc.start()
        start = time.perf_counter()
        response = client.get(product_zip_url(product))
        total = 0
        for chunk in response.streaming_content:
            total += len(chunk)
        streamed_time = time.perf_counter() - start
        _current, streamed_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        tracemalloc.start()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for member in product_zip_members(product):
                with member.open() as source:
                    archive.writestr(member.name, source.read())
        _current, naive_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append((count, streamed_peak / (1 << 20), naive_peak / (1 << 20), streamed_time, total))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--zip-counts", default="10,100,400")
    parser.add_argument("--doc-kb", type=int, default=256)
    args = parser.parse_args()
    try:
        _setup()
        throughput = bench_throughput(args.size_mb, args.repeats)
        zip_rows = bench_zip([int(n) for n in args.zip_counts.split(",")], args.doc_kb)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)

    print("## Asset downloads (pim/assets)\n")
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite, local file storage. Command: `.venv/bin/python bench/assets_download.py "
        f"--size-mb {args.size_mb} --zip-counts {args.zip_counts} --doc-kb {args.doc_kb}`.\n"
    )
    print(f"### Throughput of one {args.size_mb} MB file (best of {args.repeats}, into a local socket)\n")
    print("| delivery | total s | Python worker busy s | MB/s | total vs. sendfile alone |")
    print("|---|---:|---:|---:|---:|")
    floor = throughput[0][1]
    for label, seconds, worker, rate in throughput:
        busy = "—" if label.startswith("baseline") else f"{worker:.3f}"
        print(f"| {label} | {seconds:.3f} | {busy} | {rate:.0f} | {seconds / floor:.1f}× |")
    print(
        "\nOn a real network the transfer runs at the client's speed: with Django streaming a worker "
        "process is busy for the whole transfer, with X-Accel-Redirect/X-Sendfile (or presigned S3 "
        "URLs) only for the view."
    )
    print(f"\n### ZIP of all documents of a product ({args.doc_kb} KB per document, peak Python memory)\n")
    print(
        "| documents | ZIP size MB | streamed: peak MB | naive BytesIO: peak MB | ratio | streamed seconds |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for count, streamed, naive, seconds, total in zip_rows:
        print(
            f"| {count} | {total / (1 << 20):.1f} | {streamed:.2f} | {naive:.1f} | "
            f"{naive / max(streamed, 0.01):.0f}× | {seconds:.2f} |"
        )


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Public pages benchmark; prints a markdown section for docs/benchmarks.md.

Server time of the public pages, measured in this process through Django's full request
stack (middleware, URL resolution, view, templates; ``DEBUG`` off, page cache off, so every
request builds its page) — no network, no client:

1. **Product page** (uncached) against its own floor: loading the public product with the
   values, categories and relations its page shows (``get_public_product``, the page's first
   step), so the rest of the page (assets, variants, rendering, middleware) is a ratio.
2. **Catalog page** with text + 3 filters + facets, on the Elasticsearch and on the database
   backend, each against **the search call alone** (``backend.search`` with the same
   ``SearchQuery``, run beside it in the same loop): the page's own overhead is the ratio
   and the difference in milliseconds.
3. **Bytes of a first visit** per page type: the HTML plus every stylesheet and script the page
   links (as served: raw and gzip-compressed; whitenoise serves precompressed files).

Data: the demo catalog at ``--products`` (``bench/search_bench.py``'s preparation: ETIM demo
subset, ``demo_catalog --seed 1``, demo attributes marked filterable), the Elasticsearch
index rebuilt unless ``--skip-reindex``. Queries: ``search_bench.make_queries`` (a word of a
family name + 3 filters from that text's facets, so every query finds something), turned into
catalog URLs with ``pim.search.params.query_string`` — the URL vocabulary of the pages.

Run with PostgreSQL and Elasticsearch up, in a database of its own::

    scripts/postgres start; PIM_ES_HEAP=2g scripts/elasticsearch start
    DATABASE_URL=postgres://pim:pim@127.0.0.1:5433/pim_bench ELASTICSEARCH_URL=http://127.0.0.1:9250 \\
        PIM_VAR_DIR=/tmp/pim-bench .venv/bin/python bench/public_pages.py --products 100000
"""

import argparse
import gzip
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ["PIM_PAGE_CACHE_TIMEOUT"] = "0"  # server time of building the page, every time
os.environ.setdefault("PIM_ALLOWED_HOSTS", "testserver,localhost")

import search_bench  # noqa: E402  (sets up Django with the Elasticsearch backend)
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from cms.product_detail import get_public_product  # noqa: E402
from pim.catalog.models import Product  # noqa: E402
from pim.search.backends import get_search_backend  # noqa: E402
from pim.search.params import query_string  # noqa: E402

percentile = search_bench.percentile


def timed(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)
    return (time.perf_counter() - started) * 1000, result


def get(client: Client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    return response


def product_pages(client: Client, rounds: int, sample: int) -> dict:
    numbers = list(
        Product.objects.publicly_visible().order_by("?").values_list("article_number", flat=True)[:sample]
    )
    for number in numbers:  # warm: imports, template compilation, unit tables
        get(client, reverse("cms:product", kwargs={"article_number": number}))
    page_ms, lookup_ms = [], []
    for _round in range(rounds):
        for number in numbers:
            url = reverse("cms:product", kwargs={"article_number": number})
            page_ms.append(timed(get, client, url)[0])
            lookup_ms.append(timed(get_public_product, number)[0])
    return {"page": page_ms, "lookup": lookup_ms, "pages": len(numbers)}


def catalog_pages(client: Client, queries, rounds: int, backend: str) -> dict:
    engine = get_search_backend(backend)
    urls = [f"{reverse('cms:catalog')}?{query_string(query)}" for query in queries]
    with override_settings(PIM_SEARCH_BACKEND=backend):
        for url, query in zip(urls, queries, strict=True):  # warm both paths
            get(client, url)
            engine.search(query)
        page_ms, search_ms = [], []
        for _round in range(rounds):
            for url, query in zip(urls, queries, strict=True):
                page_ms.append(timed(get, client, url)[0])
                elapsed, result = timed(engine.search, query)
                assert not result.degraded, f"{backend} fell back to another backend during the benchmark"
                search_ms.append(elapsed)
    return {"page": page_ms, "search": search_ms}


_ASSET = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"')


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def first_visit_bytes(client: Client, url: str) -> dict:
    """The page and every stylesheet and script it links, as WhiteNoise serves them (hashed
    names; with ``Accept-Encoding: gzip`` its precompressed files). The HTML's gzip size is
    what a proxy compressing at level 6 would send."""
    html = get(client, url).content
    raw, packed, files = len(html), len(gzip.compress(html, 6)), 0
    for href in dict.fromkeys(_ASSET.findall(html.decode())):
        plain = client.get(href)
        if plain.status_code != 200:
            raise SystemExit(f"GET {href} (linked from {url}) answered {plain.status_code}")
        compressed = client.get(href, HTTP_ACCEPT_ENCODING="gzip")
        raw += len(_body(plain))
        packed += len(_body(compressed))
        files += 1
    return {"html": len(html), "files": files, "raw": raw, "gzip": packed}


def page_type_urls(queries) -> dict:
    """One URL per public page type that exists in the demo."""
    from cms.category_paths import category_path
    from pim.catalog.models import Category, ProductModel

    product = Product.objects.publicly_visible().filter(product_model__isnull=False).first()
    category = Category.objects.filter(parent__isnull=True).first()
    urls = {
        "home": "/",
        "catalog (text + 3 filters)": f"{reverse('cms:catalog')}?{query_string(queries[0])}",
        "category": category_path(category),
        "product": reverse("cms:product", kwargs={"article_number": product.article_number}),
        "series": reverse("cms:series", kwargs={"code": ProductModel.objects.get(pk=product.product_model_id).code}),
        "download center": reverse("cms:download_center"),
        "comparison (4 products)": reverse("cms:compare")
        + "?"
        + "&".join(
            f"p={number}"
            for number in Product.objects.publicly_visible()
            .filter(family_id=product.family_id)
            .values_list("article_number", flat=True)[:4]
        ),
    }
    try:
        from cms.models import ApplicationPage

        application = ApplicationPage.objects.live().first()
        if application is not None:
            urls["application page"] = application.url
    except ImportError:
        pass
    return urls


def row(name, values, baseline=None, baseline_name="") -> str:
    p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
    text = f"| {name} | {p50:.1f} | {p95:.1f} |"
    if baseline is None:
        return text + " – | – |"
    b50, b95 = percentile(baseline, 0.5), percentile(baseline, 0.95)
    return text + f" {baseline_name}: p50 {b50:.1f}, p95 {b95:.1f} | {p50 / b50:.2f}× (+{p50 - b50:.1f} ms) |"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--skip-reindex", action="store_true")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sample", type=int, default=100, help="product pages per round")
    args = parser.parse_args()

    print(f"preparing {args.products} demo products…", file=sys.stderr)
    data = search_bench.prepare(args.products, args.regenerate)
    # DEBUG off, as in production: WhiteNoise serves hashed, precompressed static files.
    call_command("collectstatic", interactive=False, verbosity=0)
    if not args.skip_reindex:
        print("reindexing…", file=sys.stderr)
        search_bench.reindex(2, 1000)
    queries = search_bench.make_queries(args.queries)
    client = Client()
    print("product pages…", file=sys.stderr)
    products = product_pages(client, args.rounds, args.sample)
    print("catalog pages…", file=sys.stderr)
    elastic = catalog_pages(client, queries, args.rounds, "elasticsearch")
    database = catalog_pages(client, queries, args.rounds, "database")
    print("bytes…", file=sys.stderr)
    sizes = {name: first_visit_bytes(client, url) for name, url in page_type_urls(queries).items()}

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    load = os.getloadavg()
    lines = [
        f"## Public pages ({data['visible']:,} visible demo products, {connection.vendor})",
        "",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"commit {commit}; load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}",
        f"- Command: `bench/public_pages.py --products {args.products} --queries {args.queries} "
        f"--rounds {args.rounds} --sample {args.sample}`",
        "- Server time in process through the full Django stack (middleware, view, templates), DEBUG off, "
        "page cache off (every request builds its page); no network.",
        "",
        "| page | p50 ms | p95 ms | baseline in the same loop (ms) | page / baseline at p50 |",
        "|---|---:|---:|---|---|",
        row(
            f"product page, uncached ({products['pages']} products × {args.rounds})",
            products["page"],
            products["lookup"],
            "loading the product with its values alone",
        ),
        row(
            f"catalog page, text + 3 filters + facets, Elasticsearch ({len(queries)} queries × {args.rounds})",
            elastic["page"],
            elastic["search"],
            "the search call alone",
        ),
        row(
            "catalog page, same queries, database backend",
            database["page"],
            database["search"],
            "the search call alone",
        ),
        "",
        "| page type (first visit) | HTML bytes | linked CSS/JS files | total bytes | total gzip bytes |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {name} | {size['html']:,} | {size['files']} | {size['raw']:,} | {size['gzip']:,} |"
            for name, size in sizes.items()
        ),
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()

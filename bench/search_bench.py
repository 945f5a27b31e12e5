#!/usr/bin/env python
"""Search benchmarks; prints a markdown section for docs/benchmarks.md.

1. Full reindex throughput into Elasticsearch (``indexing.rebuild``: read the database,
   build documents, parallel bulk, alias swap) against a raw bulk loop that sends the same
   documents from a file and skips the database (ratio = our overhead). The database
   backend's own rebuild is timed too.
2. Faceted query latency, warm: text + 3 filters + up to 10 facets, Elasticsearch backend vs
   database backend, end-to-end Python call vs the ``took`` Elasticsearch reports.

Data: the demo catalog (``import_etim --demo-subset`` + ``demo_catalog --products N``). The
demo does not mark attributes filterable, so this script marks the enumeration, yes/no, number
and range attributes of the demo families filterable (what a catalog manager would do).

Run with PostgreSQL and Elasticsearch up (use a database of its own: it is filled with demo
data), e.g.::

    scripts/postgres start; PIM_ES_HEAP=2g scripts/elasticsearch start
    DATABASE_URL=postgres://pim:pim@127.0.0.1:5433/pim_bench ELASTICSEARCH_URL=http://127.0.0.1:9250 \\
        PIM_VAR_DIR=/tmp/pim-bench .venv/bin/python bench/search_bench.py --products 100000
"""

import argparse
import json
import os
import platform
import random
import resource
import secrets
import statistics
import struct
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pim.settings")
os.environ["PIM_SEARCH_BACKEND"] = "elasticsearch"
os.environ["PIM_DEBUG"] = "0"  # as in production: no query log
os.environ.setdefault("PIM_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("ELASTICSEARCH_INDEX_PREFIX", "pimbench")
os.environ.setdefault("PIM_SEARCH_MAX_FACETS", "10")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from elasticsearch import helpers  # noqa: E402

from pim.catalog.demo.generator import demo_products  # noqa: E402
from pim.catalog.demo_classes import DEMO_ETIM_CLASSES  # noqa: E402
from pim.catalog.localization import localize  # noqa: E402
from pim.catalog.models import Attribute, AttributeType, Family, Product  # noqa: E402
from pim.search import indexing  # noqa: E402
from pim.search.backends import get_search_backend  # noqa: E402
from pim.search.backends.elasticsearch import elastic_source, encode_index_actions  # noqa: E402
from pim.search.query import BooleanFilter, NumberFilter, OptionFilter, SearchQuery  # noqa: E402


def percentile(values, share):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def prepare(products: int, regenerate: bool) -> dict:
    call_command("migrate", verbosity=0)
    if not Family.objects.filter(etim_class_code__in=DEMO_ETIM_CLASSES).exists():
        call_command("import_etim", "--demo-subset", verbosity=0)
    existing = demo_products().count()
    generated = None
    if regenerate or existing != products:
        started = time.perf_counter()
        call_command(
            "demo_catalog", products=products, reset=bool(existing), seed=1, with_extras=False, verbosity=1
        )
        generated = time.perf_counter() - started
    families = Family.objects.filter(etim_class_code__in=DEMO_ETIM_CLASSES)
    marked = Attribute.objects.filter(
        families__in=families,
        type__in=[
            AttributeType.ENUM,
            AttributeType.MULTI_ENUM,
            AttributeType.BOOLEAN,
            AttributeType.NUMBER,
            AttributeType.RANGE,
        ],
    ).update(filterable=True)
    return {
        "products": Product.objects.count(),
        "visible": Product.objects.publicly_visible().count(),
        "attributes": Attribute.objects.count(),
        "filterable": marked,
        "families": families.count(),
        "generate_seconds": generated,
    }


def cpu_seconds() -> dict:
    """CPU time used so far by Elasticsearch (its node stats) and by this process and its
    finished children (the document workers)."""
    es = get_search_backend("elasticsearch")
    nodes = es.client.nodes.stats(node_id="_local", metric="process")["nodes"]
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "elasticsearch": next(iter(nodes.values()))["process"]["cpu"]["total_in_millis"] / 1000,
        "python": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
    }


def cpu_used(before: dict) -> dict:
    after = cpu_seconds()
    return {key: after[key] - before[key] for key in after}


def reindex(threads: int, batch_size: int, targets=("elasticsearch", "database")) -> dict:
    results = {}
    for target in targets:
        before = cpu_seconds()
        stats = indexing.rebuild(target, batch_size=batch_size, threads=threads)
        stats["cpu"] = cpu_used(before)
        results[target] = stats
        print(f"  rebuilt {target}: {stats['indexed']} in {stats['seconds']:.1f} s", file=sys.stderr)
    return results


def raw_bulk(threads: int, batch_size: int) -> dict:
    """What Elasticsearch alone costs: the same documents, encoded into bulk request bodies
    beforehand (untimed, in a file), then sent by a plain loop with the same parallelism into
    an index with the same settings, refreshed at the end. Nothing is read from the database,
    built or serialized while the clock runs, so this is the floor for a full reindex."""
    es = get_search_backend("elasticsearch")
    index = f"{es.alias}-rawbaseline"
    with tempfile.TemporaryFile("w+b") as handle:
        count = 0
        for batch in indexing.document_batches(batch_size, workers=indexing.reindex_workers()):
            n, body = encode_index_actions(index, batch)
            if n:
                handle.write(struct.pack("<II", n, len(body)))
                handle.write(body)
                count += n
        size = handle.tell()
        handle.seek(0)

        def bodies():
            while header := handle.read(8):
                n, length = struct.unpack("<II", header)
                yield n, handle.read(length)

        es.client.indices.delete(index=index, ignore_unavailable=True)
        before = cpu_seconds()
        started = time.perf_counter()
        es.create_index(index, building=True, documents=count)

        def send(n, body):
            # the backend's sender: one bulk request, items the node rejects as overloaded
            # (429) sent again; nothing else
            _indexed, errors = es._send_bulk_body(n, body)
            assert not errors, f"the baseline's bulk request had errors: {errors}"

        sent = 0
        with ThreadPoolExecutor(max_workers=threads) as pool:
            in_flight = set()
            for n, body in bodies():
                in_flight.add(pool.submit(send, n, body))
                sent += n
                if len(in_flight) >= threads * 2:
                    done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in done:
                        future.result()
            for future in in_flight:
                future.result()
        es.client.indices.put_settings(index=index, settings={"refresh_interval": "1s"})
        es.client.indices.refresh(index=index)
        seconds = time.perf_counter() - started
        cpu = cpu_used(before)
        indexed = es.client.count(index=index)["count"]
        es.client.indices.delete(index=index)
    assert indexed == sent == count, (indexed, sent, count)
    return {
        "indexed": indexed,
        "seconds": seconds,
        "per_second": indexed / seconds,
        "bytes": size,
        "documents": count,
        "cpu": cpu,
    }


def loop_bulk(threads: int, batch_size: int) -> dict:
    """A second, everyday baseline: what a plain script that already has the documents costs.
    They are read from a JSON Lines file (written untimed) and sent with
    ``elasticsearch.helpers.bulk`` from a thread pool like ours; parsing and serializing happen
    in the loop, in one process. No database, no document building."""
    es = get_search_backend("elasticsearch")
    index = f"{es.alias}-loopbaseline"
    with tempfile.TemporaryFile("w+", encoding="utf-8") as handle:
        count = 0
        for batch in indexing.document_batches(batch_size, workers=indexing.reindex_workers()):
            for doc in batch.values():
                if doc:
                    handle.write(json.dumps(elastic_source(doc), separators=(",", ":"), ensure_ascii=False))
                    handle.write("\n")
                    count += 1
        handle.seek(0)
        es.client.indices.delete(index=index, ignore_unavailable=True)
        before = cpu_seconds()
        started = time.perf_counter()
        es.create_index(index, building=True, documents=count)

        def send(actions):
            ok, errors = helpers.bulk(es.client, actions, raise_on_error=False, chunk_size=batch_size)
            assert not errors, f"the loop baseline's bulk request had errors: {errors[:1]}"
            return ok

        sent = 0
        with ThreadPoolExecutor(max_workers=threads) as pool:
            in_flight, actions = set(), []
            for line in handle:
                doc = json.loads(line)
                actions.append({"_index": index, "_id": str(doc["id"]), "_source": doc})
                if len(actions) >= batch_size:
                    in_flight.add(pool.submit(send, actions))
                    actions = []
                if len(in_flight) >= threads * 2:
                    done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                    sent += sum(future.result() for future in done)
            if actions:
                in_flight.add(pool.submit(send, actions))
            sent += sum(future.result() for future in in_flight)
        es.client.indices.put_settings(index=index, settings={"refresh_interval": "1s"})
        es.client.indices.refresh(index=index)
        seconds = time.perf_counter() - started
        cpu = cpu_used(before)
        es.client.indices.delete(index=index)
    assert sent == count, (sent, count)
    return {"indexed": sent, "seconds": seconds, "per_second": sent / seconds, "cpu": cpu}


def make_queries(count: int, seed: int = 7) -> list[SearchQuery]:
    """Text (a word of a family name) + 3 filters taken from that text's facets, so every
    query finds something; facets on."""
    rng = random.Random(seed)
    es = get_search_backend("elasticsearch")
    families = list(Family.objects.filter(etim_class_code__in=DEMO_ETIM_CLASSES))
    words = sorted(
        {
            word
            for family in families
            for language in ("en", "de")
            for word in localize(family.name, language).replace("/", " ").replace("-", " ").split()
            if len(word) > 3 and word.isalpha()
        }
    )
    queries, attempts = [], 0
    while len(queries) < count and attempts < count * 20:
        attempts += 1
        language = rng.choice(["de", "en"])
        text = rng.choice(words)
        probe = es.search(SearchQuery(text=text, language=language, page_size=1))
        filters = []
        facets = list(probe.facets)
        rng.shuffle(facets)
        for facet in facets:
            if len(filters) == 3:
                break
            if facet.kind == "options" and facet.options:
                option = max(facet.options, key=lambda o: o.count)
                filters.append(OptionFilter(facet.attribute, [option.value]))
            elif facet.kind == "boolean" and facet.options:
                option = max(facet.options, key=lambda o: o.count)
                filters.append(BooleanFilter(facet.attribute, option.value == "true"))
            elif (
                facet.kind == "number"
                and facet.min is not None
                and facet.max is not None
                and facet.max > facet.min
            ):
                low = facet.min + (facet.max - facet.min) * rng.choice([0.0, 0.1, 0.25])
                filters.append(NumberFilter(facet.attribute, at_least=f"{low:.6g} {facet.unit}".strip()))
        if len(filters) < 3:
            continue
        queries.append(SearchQuery(text=text, language=language, filters=filters, page_size=20))
    return queries


def measure(queries, rounds: int, only: str = "") -> dict:
    """``only="database"``: Elasticsearch answers each query once, untimed, as the reference
    for the mismatch check; only the database backend is timed."""
    es = get_search_backend("elasticsearch")
    db = get_search_backend("database")
    reference = {}
    for index, query in enumerate(queries):  # warm both
        reference[index] = es.search(query)
        db.search(query)
    timings = {"elasticsearch": [], "took": [], "database": []}
    mismatches, totals = 0, []
    for _round in range(rounds):
        for index, query in enumerate(queries):
            if only == "database":
                elastic = reference[index]
                started = time.perf_counter()
                database = db.search(query)
                timings["database"].append((time.perf_counter() - started) * 1000)
                mismatches += (elastic.total, elastic.ids) != (database.total, database.ids)
                totals.append(elastic.total)
                continue
            started = time.perf_counter()
            elastic = es.search(query)
            timings["elasticsearch"].append((time.perf_counter() - started) * 1000)
            timings["took"].append(elastic.engine_took_ms)
            assert not elastic.degraded, "Elasticsearch fell back to the database during the benchmark"
            started = time.perf_counter()
            database = db.search(query)
            timings["database"].append((time.perf_counter() - started) * 1000)
            if (elastic.total, elastic.ids) != (database.total, database.ids):
                mismatches += 1
            totals.append(elastic.total)
    return {"timings": timings, "mismatches": mismatches, "median_total": statistics.median(totals)}


def database_only_report(args, data, reindexed, queries, measured) -> str:
    db_ms = measured["timings"]["database"]
    lines = [
        f"## Search, database backend only ({data['visible']:,} visible demo products, {connection.vendor})",
        "",
        f"- Command: `bench/search_bench.py --only database --products {args.products} --queries {args.queries} "
        f"--rounds {args.rounds}`",
    ]
    if reindexed:
        stats = reindexed["database"]
        lines.append(
            f"- Rebuild of the database backend: {stats['indexed']:,} documents in {stats['seconds']:.1f} s "
            f"= {stats['per_second']:,.0f} documents/s"
        )
    lines += [
        f"- Faceted queries: {len(queries)} × {args.rounds} rounds, warm; median total "
        f"{measured['median_total']:,.0f} hits; hits differing from Elasticsearch's: {measured['mismatches']}",
        f"- database backend end-to-end: p50 {percentile(db_ms, 0.5):.1f} ms, p95 {percentile(db_ms, 0.95):.1f} ms",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument(
        "--regenerate", action="store_true", help="Generate the demo catalog even if it has N products."
    )
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--skip-reindex", action="store_true")
    parser.add_argument(
        "--skip-database-rebuild",
        action="store_true",
        help="Rebuild only the Elasticsearch index (the database backend's index must be current).",
    )
    parser.add_argument(
        "--loop-baseline",
        action="store_true",
        help="Also time a plain helpers.bulk loop over the documents from a JSON Lines file.",
    )
    parser.add_argument(
        "--only",
        choices=["database"],
        help="Time only the database backend (its rebuild unless --skip-reindex, and its queries, "
        "checked against Elasticsearch's hits).",
    )
    args = parser.parse_args()

    print(f"preparing {args.products} demo products…", file=sys.stderr)
    data = prepare(args.products, args.regenerate)
    es = get_search_backend("elasticsearch")
    reindexed = None
    if not args.skip_reindex:
        print("reindexing…", file=sys.stderr)
        if args.only:
            reindexed = reindex(args.threads, args.batch_size, targets=(args.only,))
        else:
            targets = ("elasticsearch",) if args.skip_database_rebuild else ("elasticsearch", "database")
            reindexed = reindex(args.threads, args.batch_size, targets=targets)
            print("raw bulk baseline…", file=sys.stderr)
            raw = raw_bulk(args.threads, args.batch_size)
            loop = loop_bulk(args.threads, args.batch_size) if args.loop_baseline else None
    print("queries…", file=sys.stderr)
    queries = make_queries(args.queries)
    measured = measure(queries, args.rounds, args.only)
    timings = measured["timings"]
    if args.only:
        print(database_only_report(args, data, reindexed, queries, measured))
        return

    version = next(iter(es.client.nodes.info(node_id="_local")["nodes"].values()))["version"]
    live = es.live_indices()[0]
    shards = es.client.indices.get_settings(index=live).body[live]["settings"]["index"]["number_of_shards"]
    lines = [
        f"## Search ({data['visible']:,} visible demo products)",
        "",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{connection.vendor} {getattr(connection, 'pg_version', '')}".rstrip(),
        f"- Elasticsearch {version} single node on 127.0.0.1, heap "
        f"{os.environ.get('PIM_ES_HEAP', '512m')} (scripts/elasticsearch), index of {shards} shard(s) "
        f"(`ELASTICSEARCH_SHARDS={es.params.get('SHARDS', 'auto')}`), 0 replicas",
        f"- Data: `demo_catalog --products {args.products} --seed 1 --catalog-only`: {data['products']:,} products "
        f"({data['visible']:,} publicly visible), {data['families']} families, {data['attributes']:,} attributes "
        f"({data['filterable']} marked filterable)"
        + (f"; generated in {data['generate_seconds']:.0f} s" if data["generate_seconds"] else ""),
        f"- Command: `bench/search_bench.py --products {args.products} --queries {args.queries} "
        f"--rounds {args.rounds} --threads {args.threads}{' --loop-baseline' if args.loop_baseline else ''}"
        f"{' --skip-database-rebuild' if args.skip_database_rebuild else ''}`",
        f"- Mapped fields in the Elasticsearch index: {es.mapped_field_count()} "
        f"(with {data['attributes']:,} attributes in the catalog)",
        "",
    ]
    if reindexed:
        ours = reindexed["elasticsearch"]
        lines += [
            "| full reindex | documents | seconds | documents/s | CPU s: Elasticsearch | CPU s: Python |",
            "|---|---:|---:|---:|---:|---:|",
            f"| `search_reindex` → Elasticsearch (DB read + documents in {indexing.reindex_workers()} worker "
            f"processes + bulk + alias swap) | {ours['indexed']:,} | {ours['seconds']:.1f} | "
            f"{ours['per_second']:,.0f} | {ours['cpu']['elasticsearch']:.0f} | {ours['cpu']['python']:.0f} |",
            f"| raw bulk loop: the same documents as encoded bulk bodies from a file "
            f"({raw['bytes'] / 1e6:,.0f} MB) | {raw['indexed']:,} | {raw['seconds']:.1f} | "
            f"{raw['per_second']:,.0f} | {raw['cpu']['elasticsearch']:.0f} | {raw['cpu']['python']:.0f} |",
            *(
                [
                    f"| plain loop: `helpers.bulk` over the same documents from a JSON Lines file (parse + "
                    f"serialize in the loop) | {loop['indexed']:,} | {loop['seconds']:.1f} | "
                    f"{loop['per_second']:,.0f} | {loop['cpu']['elasticsearch']:.0f} | {loop['cpu']['python']:.0f} |"
                ]
                if loop
                else []
            ),
            *(
                [
                    f"| `search_reindex` → database backend ({connection.vendor}) | "
                    f"{reindexed['database']['indexed']:,} | {reindexed['database']['seconds']:.1f} | "
                    f"{reindexed['database']['per_second']:,.0f} | – | {reindexed['database']['cpu']['python']:.0f} |"
                ]
                if "database" in reindexed
                else []
            ),
            "",
            f"Overhead over raw Elasticsearch: **{ours['seconds'] / raw['seconds']:.2f}×** (target < 1.5×)"
            + (f"; over the plain loop: {ours['seconds'] / loop['seconds']:.2f}×. " if loop else ". ")
            + f"1,000,000 products at this rate: {1_000_000 / ours['per_second'] / 60:.1f} min (target < 15 min). "
            "CPU seconds of PostgreSQL are not counted.",
            "",
        ]
    es_ms, took, db_ms = timings["elasticsearch"], timings["took"], timings["database"]
    lines += [
        f"Faceted queries: {len(queries)} queries × {args.rounds} rounds, warm; each = one word of a family "
        f"name + 3 filters from its facets + up to {settings.PIM_SEARCH_MAX_FACETS} facets, 20 hits; median "
        f"total {measured['median_total']:,.0f} hits; result mismatches between backends: {measured['mismatches']}.",
        "",
        "| faceted query | p50 ms | p95 ms |",
        "|---|---:|---:|",
        f"| Elasticsearch backend, end-to-end Python call | {percentile(es_ms, 0.5):.1f} | {percentile(es_ms, 0.95):.1f} |",
        f"| Elasticsearch `took` (sum of its requests' engine time) | {percentile(took, 0.5):.1f} | {percentile(took, 0.95):.1f} |",
        f"| database backend ({connection.vendor}), end-to-end | {percentile(db_ms, 0.5):.1f} | {percentile(db_ms, 0.95):.1f} |",
        "",
        f"End-to-end / `took` (p50): {percentile(es_ms, 0.5) / max(percentile(took, 0.5), 0.001):.1f}×; "
        f"Elasticsearch vs database (p95): {percentile(db_ms, 0.95) / percentile(es_ms, 0.95):.1f}× faster.",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()

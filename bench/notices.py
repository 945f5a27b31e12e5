#!/usr/bin/env python
"""Benchmark: a change-notice run — 10,000 subscriptions over 1,000 changed products.

    DATABASE_URL=postgres://pim:pim@127.0.0.1:5433/pim_bench12 .venv/bin/python bench/notices.py \\
        [--products 1000] [--subscriptions 10000] [--per-address 2]

Data (bulk-inserted, so the setup is not what is measured): ``--products`` public products,
each with an uploaded datasheet (asset, revision, link); ``--subscriptions`` confirmed
subscriptions, ``--per-address`` per e-mail address, spread evenly over the products; the
baseline state of every product recorded as confirmations do. Then every product is
discontinued with a successor named and every second datasheet gets a new revision, written
the way publishing writes the rows, and the change is recorded as the catalog's change event
would (:func:`pim.inquiries.notices.record_changes`).

Measured (wall time and SQL statements, counted by an execute wrapper):

1. **detection** (:func:`pim.inquiries.notices.detect_pending`): states, diffs, notices,
   digest entries per address — against a **naive detection in the same run**: one
   published-state read per subscription (what a loop over subscriptions without the shared
   baseline and the outbox would do), nothing written.
2. **digests** (:func:`pim.inquiries.digests.send_due`, locmem mail backend): claim, render,
   send, stamp — against **the floor of rendering and sending the same number of messages**
   with the same templates, a prepared context and the same mail backend, no database.

The database is created if missing and the bench data replaced on every run. Prints a
markdown section for docs/benchmarks.md.
"""

import argparse
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://pim:pim@127.0.0.1:5433/pim_bench12"


def ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    admin = {
        "host": config["HOST"],
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "password": config["PASSWORD"],
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**admin) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{config["NAME"]}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("PIM_VAR_DIR", tempfile.mkdtemp(prefix="pim-bench-notices-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pim.settings")
    os.environ["PIM_DEBUG"] = "0"
    os.environ.setdefault("PIM_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["PIM_TASKS_IMMEDIATE"] = "1"
    os.environ["PIM_EMAIL_URL"] = "locmem://"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def reset() -> None:
    from django.db import transaction

    from pim.assets.models import Asset
    from pim.catalog.models import Family, Product
    from pim.inquiries.models import Digest, DigestEntry, Notice, PendingCheck, Subscription, WatchedState

    with transaction.atomic():
        for model in (DigestEntry, Digest, Notice, PendingCheck, WatchedState, Subscription):
            model.objects.all().delete()
        Asset.objects.filter(title__en__startswith="NB ").delete()
        Product.objects.filter(article_number__startswith="NB-").update(successor=None)
        Product.objects.filter(article_number__startswith="NB-").delete()
        Family.objects.filter(code="bench-notices").delete()


def build(products: int, subscriptions: int, per_address: int) -> tuple[list[int], float]:
    """Products with a datasheet each, confirmed subscriptions, baselines. Returns the product
    ids and the seconds the baselines took."""
    from django.db import transaction
    from django.utils import timezone

    from pim.assets.models import Asset, AssetKind, AssetLink, LinkRole
    from pim.catalog.models import Family, Product
    from pim.inquiries import notices
    from pim.inquiries.models import Subscription, WatchedState

    now = timezone.now()
    with transaction.atomic():
        family = Family.objects.create(code="bench-notices", name={"en": "Ball valves", "de": "Kugelhähne"})
        rows = Product.objects.bulk_create(
            [
                Product(
                    article_number=f"NB-{i:05d}",
                    article_number_key=f"nb{i:05d}",
                    name={"en": f"Ball valve {i}", "de": f"Kugelhahn {i}"},
                    family=family,
                    lifecycle="active",
                    live=True,
                    first_published_at=now,
                    last_published_at=now,
                )
                for i in range(products)
            ]
        )
        ids = [product.pk for product in rows]
        assets = Asset.objects.bulk_create(
            [
                Asset(kind=AssetKind.DATASHEET, title={"en": f"NB datasheet {i}"}, public=True)
                for i in range(products)
            ]
        )
        add_revisions(assets, 1)
        AssetLink.objects.bulk_create(
            [
                AssetLink(asset=asset, product_id=pk, role=LinkRole.DATASHEET)
                for asset, pk in zip(assets, ids, strict=True)
            ]
        )
        addresses = subscriptions // per_address
        Subscription.objects.bulk_create(
            [
                Subscription(
                    email=f"buyer{n % addresses}@example.com",
                    # an address's subscriptions are on different products
                    product_id=ids[(n % addresses * per_address + n // addresses) % products],
                    language="de" if n % 3 == 0 else "en",
                    lifecycle=True,
                    documents=True,
                    confirmed_at=now,
                )
                for n in range(subscriptions)
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
    started = time.perf_counter()
    for start in range(0, len(ids), notices.BATCH_SIZE):
        states = notices.published_states(ids[start : start + notices.BATCH_SIZE])
        WatchedState.objects.bulk_create(
            [WatchedState(product_id=pk, product_model_id=None, state=state) for pk, state in states.items()]
        )
    return ids, time.perf_counter() - started


def change(ids: list[int]) -> None:
    """Every product discontinued with a successor; every second datasheet revised."""
    from django.db import transaction

    from pim.assets.models import Asset
    from pim.catalog.models import Product

    with transaction.atomic():
        Product.objects.filter(pk__in=ids).update(lifecycle="discontinued")
        successors = [Product(pk=pk, successor_id=ids[(n + 1) % len(ids)]) for n, pk in enumerate(ids)]
        Product.objects.bulk_update(successors, ["successor"], batch_size=1000)
        assets = list(Asset.objects.filter(links__product_id__in=ids[::2]).distinct())
        add_revisions(assets, 2)


def add_revisions(assets, number: int) -> None:
    """Give every asset a new current revision ``number`` (a PDF row; no file is needed)."""
    from pim.assets.models import Asset, AssetRevision

    revisions = AssetRevision.objects.bulk_create(
        [
            AssetRevision(
                asset=asset,
                number=number,
                file=f"bench/{asset.pk}-{number}.pdf",
                original_filename=f"{asset.pk}.pdf",
                file_format="pdf",
                mime_type="application/pdf",
                size=1000,
                sha256=uuid.uuid4().hex * 2,
            )
            for asset in assets
        ]
    )
    for asset, revision in zip(assets, revisions, strict=True):
        asset.current_revision = revision
    Asset.objects.bulk_update(assets, ["current_revision"])


def measured(function, *args):
    """``function(*args)``, its wall time and the number of SQL statements it ran."""
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = function(*args)
        elapsed = time.perf_counter() - started
    return result, elapsed, count


def naive_detection() -> int:
    """One published-state read per subscription, compared with the product's baseline."""
    from pim.inquiries import notices
    from pim.inquiries.models import Subscription, WatchedState

    found = 0
    for subscription in Subscription.objects.filter(confirmed_at__isnull=False).iterator():
        state = notices.published_states([subscription.product_id])[subscription.product_id]
        baseline = WatchedState.objects.get(product_id=subscription.product_id).state
        found += bool(notices.diff(baseline, state))
    return found


def mail_floor(count: int) -> int:
    """Render and send ``count`` messages with the digest templates, no database."""
    from django.core import mail
    from django.core.mail import EmailMultiAlternatives, get_connection
    from django.template.loader import render_to_string
    from django.utils import translation

    from pim.inquiries.digests import ProductSection

    context = {
        "site_name": "Bench",
        "products": [
            ProductSection(
                article_number=f"NB-{n:05d}",
                name=f"Ball valve {n}",
                url=f"https://example.com/products/NB-{n:05d}/",
                lines=[
                    "Discontinued.",
                    f"Successor named: NB-{n + 1:05d} Ball valve",
                    "Datasheet revised: NB (2)",
                ],
            )
            for n in range(2)
        ],
        "subscriptions": [
            {
                "label": f"NB-{n:05d} Ball valve",
                "unsubscribe_url": "https://example.com/notices/unsubscribe/x/",
            }
            for n in range(2)
        ],
        "manage_url": "https://example.com/notices/manage/x/",
        "language": "en",
        "digest_hours": 24,
    }
    connection = get_connection()
    connection.open()
    for n in range(count):
        with translation.override("en"):
            subject = " ".join(render_to_string("inquiries/email/digest_subject.txt", context).split())
            text = render_to_string("inquiries/email/digest_body.txt", context)
            html = render_to_string("inquiries/email/digest_body.html", context)
        message = EmailMultiAlternatives(
            subject, text, "from@example.com", [f"buyer{n}@example.com"], connection=connection
        )
        message.attach_alternative(html, "text/html")
        message.send()
    connection.close()
    sent = len(mail.outbox)
    mail.outbox = []
    return sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--subscriptions", type=int, default=10000)
    parser.add_argument("--per-address", type=int, default=2)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    setup_django(url)

    from django.core import mail
    from django.db import connection, transaction

    from pim.inquiries import digests, notices
    from pim.inquiries.models import Digest, DigestEntry, Notice

    reset()
    ids, baseline_seconds = build(args.products, args.subscriptions, args.per_address)
    change(ids)

    naive_found, naive_seconds, naive_queries = measured(naive_detection)

    def record():
        with transaction.atomic():
            return notices.record_changes(ids)

    recorded, record_seconds, record_queries = measured(record)
    checked, detect_seconds, detect_queries = measured(notices.detect_pending)
    notice_count, entry_count = Notice.objects.count(), DigestEntry.objects.count()
    mail.outbox = []
    outcome, send_seconds, send_queries = measured(digests.send_due)
    sent_messages = len(mail.outbox)
    mail.outbox = []
    _floor_sent, floor_seconds, floor_queries = measured(mail_floor, outcome.sent)
    assert sent_messages == outcome.sent == Digest.objects.filter(sent_at__isnull=False).count()
    assert naive_found == args.subscriptions

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    load = os.getloadavg()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()") if connection.vendor == "postgresql" else cursor.execute(
            "SELECT 'SQLite ' || sqlite_version()"
        )
        database = cursor.fetchone()[0].split(" on ")[0]

    print(f"## Change notices: detection and digests (`bench/notices.py`, {time.strftime('%Y-%m-%d')})\n")
    print(
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{database}; commit {commit}; load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}"
    )
    print(
        f"- Data: {args.products:,} public products with a datasheet each, {args.subscriptions:,} confirmed "
        f"subscriptions ({args.per_address} per address, {args.subscriptions // args.per_address:,} addresses); "
        f"change: every product discontinued with a successor, every second datasheet revised"
    )
    print(
        f"- Command: `DATABASE_URL=… .venv/bin/python bench/notices.py --products {args.products} "
        f"--subscriptions {args.subscriptions} --per-address {args.per_address}`; mail backend locmem\n"
    )
    print("| step | time | queries | per unit | baseline in the same run | ratio |")
    print("|---|---:|---:|---|---|---:|")
    print(
        f"| record the change event ({recorded:,} products) | {record_seconds * 1000:.0f} ms | {record_queries} | – | – | – |"
    )
    print(
        f"| detection: {checked:,} products → {notice_count:,} notices, {entry_count:,} digest entries "
        f"| {detect_seconds:.2f} s | {detect_queries} | {detect_queries / notice_count:.3f} queries/notice, "
        f"{detect_seconds / notice_count * 1000:.2f} ms/notice "
        f"| naive: one state read per subscription: {naive_seconds:.2f} s, {naive_queries:,} queries "
        f"| {naive_seconds / detect_seconds:.1f}× faster |"
    )
    print(
        f"| digests: {outcome.claimed:,} claimed, {outcome.sent:,} sent | {send_seconds:.2f} s | {send_queries:,} "
        f"| {send_queries / max(1, outcome.sent):.2f} queries/digest, {send_seconds / max(1, outcome.sent) * 1000:.2f} ms/digest "
        f"| render + send the same {outcome.sent:,} messages, no database: {floor_seconds:.2f} s ({floor_queries} queries) "
        f"| {send_seconds / floor_seconds:.2f}× the floor |"
    )
    print(
        f"\nBaselines of the products (confirmation's work, batched): {baseline_seconds:.2f} s for {len(ids):,} products."
    )


if __name__ == "__main__":
    main()

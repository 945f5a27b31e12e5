"""Benchmark: BMEcat 2005 export, streamed vs. built as one in-memory tree.

    python bench/exports_bmecat.py [--sizes 10000,100000,1000000] [--tree-max 100000]
                                   [--var-dir /tmp/bench-exports]

Grows one database (SQLite in --var-dir unless DATABASE_URL is set) to each size in turn with
bulk-inserted products (6 ETIM-coded values, a localized text, 2 prices, a category, trade and
logistics data: weights, dimensions and 2 packing units of their own, brand, origin, customs
tariff number, delivery time, keywords and declarations inherited from one of 20 series, a
third of them with their own origin and delivery time), then exports the whole catalog
through the production path (``run_export``: batched reads, checks, streamed XML writing,
temporary file, atomic publish) in a fresh process,
and — up to --tree-max products — the same document built as one in-memory lxml tree
(same writer code, :class:`pim.exports.xml.TreeOut`) as the baseline. Each measurement runs
in its own process so its peak RSS (``VmHWM``, not ``ru_maxrss``: see ``bench/measuring.py``)
is its own. Prints a markdown section.
"""

import argparse
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from measuring import peak_rss_mb  # bench/measuring.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHUNK = 5000
SERIES = 20


def setup_django(var_dir: str) -> None:
    os.environ.setdefault("PIM_VAR_DIR", var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pim.settings")
    os.environ["PIM_DEBUG"] = "0"  # no query log
    os.environ.setdefault("PIM_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["PIM_TASKS_IMMEDIATE"] = "1"
    os.environ["PIM_EXPORT_ROOT"] = str(Path(var_dir) / "exports")
    import django

    django.setup()


def build_model():
    """Family, attributes with ETIM codes, categories, the channel (idempotent)."""
    from pim.catalog.models import (
        Attribute,
        AttributeOption,
        AttributeType,
        Category,
        Family,
        FamilyAttribute,
        Quantity,
        Unit,
    )
    from pim.exports.models import Channel

    family, created = Family.objects.get_or_create(
        code="bench-valves",
        defaults={
            "name": {"en": "Ball valves", "de": "Kugelhähne"},
            "etim_class_code": "EC011111",
            "etim_version": "6.0",
        },
    )
    if created:
        unit = {code: Unit.objects.get(code=code) for code in ("bar", "degC", "mm")}
        for code, etim in (("bar", "EU570056"), ("degC", "EU570073"), ("mm", "EU570448")):
            Unit.objects.filter(code=code).update(etim_code=etim)
        specs = [
            ("b_pressure", AttributeType.NUMBER, "pressure", unit["bar"], "EF000001"),
            ("b_temperature", AttributeType.RANGE, "temperature", unit["degC"], "EF000002"),
            ("b_material", AttributeType.ENUM, None, None, "EF000003"),
            ("b_approvals", AttributeType.MULTI_ENUM, None, None, "EF000004"),
            ("b_food", AttributeType.BOOLEAN, None, None, "EF000005"),
            ("b_size", AttributeType.NUMBER, "length", unit["mm"], "EF000006"),
            ("b_note", AttributeType.TEXT, None, None, ""),
        ]
        for order, (code, kind, quantity, display, etim) in enumerate(specs):
            attribute = Attribute.objects.create(
                code=code,
                name={"en": code.replace("b_", "").title(), "de": code.replace("b_", "").title()},
                type=kind,
                quantity=Quantity.objects.get(code=quantity) if quantity else None,
                display_unit=display,
                localizable=kind == AttributeType.TEXT,
                etim_code=etim,
            )
            FamilyAttribute.objects.create(family=family, attribute=attribute, sort_order=order)
            if kind in (AttributeType.ENUM, AttributeType.MULTI_ENUM):
                for number in range(3):
                    AttributeOption.objects.create(
                        attribute=attribute,
                        code=f"{code}-{number}",
                        name={"en": f"Option {number}", "de": f"Option {number}"},
                        etim_code=f"EV{order:03d}{number:03d}",
                    )
        root = Category.objects.create(code="bench", name={"en": "Bench", "de": "Bench"})
        for number in range(20):
            Category.objects.create(
                code=f"bench-{number}", name={"en": f"Group {number}", "de": f"Gruppe {number}"}, parent=root
            )
    build_series(family)
    channel, _ = Channel.objects.get_or_create(
        code="bench",
        defaults={
            "name": "Bench",
            "format": "bmecat2005",
            "supplier_name": "Bench GmbH",
            "languages": "en,de",
        },
    )
    return family, channel


def build_series(family) -> list:
    """Series whose trade data their variants inherit (idempotent)."""
    from pim.catalog.models import ProductModel

    countries = ("DE", "IT", "CZ", "CN")
    series = []
    for number in range(SERIES):
        model, _ = ProductModel.objects.get_or_create(
            code=f"bench-series-{number:02d}",
            defaults={
                "name": {"en": f"Series {number}", "de": f"Baureihe {number}"},
                "family": family,
                "live": True,
                "brand": "Bench Line",
                "country_of_origin": countries[number % len(countries)],
                "customs_tariff_number": "84818081",
                "delivery_time_days": 5 + number % 10,
                "discount_group": f"RG-{number:02d}",
                "keywords": {"en": "ball valve, brass, two-way", "de": "Kugelhahn, Messing, 2-Wege"},
                "reach_status": "free",
                "rohs_status": "compliant",
                "ce_marking": True,
            },
        )
        series.append(model)
    return series


def package_gtin(level: int, i: int) -> str:
    """A valid GTIN-14 of packing level ``level`` (1, 2) of product ``i``."""
    from pim.catalog.identifiers import gtin_check_digit

    body = f"{level}4{i:011d}"
    return body + str(gtin_check_digit(body))


def grow(family, target: int) -> None:
    """Add products until the catalog has ``target``."""
    from django.db import connection, transaction
    from django.utils import timezone

    from pim.catalog.models import (
        Attribute,
        AttributeOption,
        Category,
        PackingUnit,
        Product,
        ProductModel,
        ProductPrice,
        ProductValue,
        Unit,
    )

    have = Product.objects.filter(family=family).count()
    if have >= target:
        return
    attrs = {a.code: a for a in Attribute.objects.filter(code__startswith="b_")}
    options = {
        code: list(AttributeOption.objects.filter(attribute__code=code).order_by("code"))
        for code in ("b_material", "b_approvals")
    }
    units = {u.code: u for u in Unit.objects.filter(code__in=["bar", "degC", "mm"])}
    categories = list(Category.objects.filter(code__startswith="bench-").order_by("pk"))
    series = list(ProductModel.objects.filter(code__startswith="bench-series-").order_by("code"))
    through = Product.categories.through
    now = timezone.now()
    started = time.perf_counter()
    for start in range(have, target, CHUNK):
        end = min(start + CHUNK, target)
        with transaction.atomic():
            products = Product.objects.bulk_create(
                [
                    Product(
                        article_number=f"B-{i:07d}",
                        article_number_key=f"b{i:07d}",
                        name={"en": f"Ball valve {i}", "de": f"Kugelhahn {i}"},
                        short_description={"en": "Two-way ball valve", "de": "2-Wege-Kugelhahn"},
                        long_description={
                            "en": f"Robust ball valve number {i}.",
                            "de": f"Robuster Kugelhahn {i}.",
                        },
                        manufacturer_name="Bench GmbH",
                        manufacturer_pid=f"M-{i}",
                        family=family,
                        product_model=series[i % len(series)],
                        # a third with their own origin and delivery time, the rest inherit
                        country_of_origin="DE" if i % 3 == 0 else "",
                        delivery_time_days=2 if i % 3 == 0 else None,
                        net_weight=Decimal(250 + i % 700) / 1000,
                        gross_weight=Decimal(280 + i % 700) / 1000,
                        length=Decimal(80 + i % 120),
                        width=Decimal(60 + i % 40),
                        height=Decimal(40 + i % 30),
                        lifecycle="active",
                        live=True,
                        first_published_at=now,
                        last_published_at=now,
                    )
                    for i in range(start, end)
                ]
            )
            # Children go in with executemany: building millions of model instances would
            # make the setup, not the export, the slow part.
            values, prices, links, packing = [], [], [], []
            material, approvals = options["b_material"], options["b_approvals"]
            note = json.dumps({"en": "Lever included", "de": "Mit Hebel"})
            for offset, product in enumerate(products):
                i, pk = start + offset, product.pk
                values += [
                    (
                        pk,
                        attrs["b_pressure"].pk,
                        None,
                        1e5 * (6 + i % 40),
                        None,
                        None,
                        units["bar"].pk,
                        None,
                        "",
                        "{}",
                    ),
                    (
                        pk,
                        attrs["b_temperature"].pk,
                        None,
                        None,
                        263.15,
                        393.15 + i % 30,
                        units["degC"].pk,
                        None,
                        "",
                        "{}",
                    ),
                    (pk, attrs["b_material"].pk, material[i % 3].pk, None, None, None, None, None, "", "{}"),
                    (
                        pk,
                        attrs["b_approvals"].pk,
                        approvals[i % 3].pk,
                        None,
                        None,
                        None,
                        None,
                        None,
                        "",
                        "{}",
                    ),
                    (pk, attrs["b_food"].pk, None, None, None, None, None, i % 2 == 0, "", "{}"),
                    (
                        pk,
                        attrs["b_size"].pk,
                        None,
                        0.001 * (8 + i % 50),
                        None,
                        None,
                        units["mm"].pk,
                        None,
                        "",
                        "{}",
                    ),
                    (pk, attrs["b_note"].pk, None, None, None, None, None, None, "", note),
                ]
                prices += [
                    (pk, "net_list", "EUR", 10 + i % 500, 1, 0.19),
                    (pk, "net_list", "EUR", 9 + i % 500, 10, 0.19),
                ]
                links.append((pk, categories[i % len(categories)].pk))
                packing += [
                    (pk, 0, "BX", 10, package_gtin(1, i), 3.2, 300, 200, 100, True),
                    (pk, 1, "CT", 50, package_gtin(2, i), 16.5, 600, 400, 250, False),
                ]
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {ProductValue._meta.db_table} (product_id, attribute_id, option_id, number, "  # noqa: S608
                    "number_min, number_max, unit_id, boolean, text, text_localized) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    values,
                )
                cursor.executemany(
                    f"INSERT INTO {ProductPrice._meta.db_table} (product_id, price_type, currency, amount, "  # noqa: S608
                    "min_quantity, tax_rate) VALUES (%s, %s, %s, %s, %s, %s)",
                    prices,
                )
                cursor.executemany(
                    f"INSERT INTO {through._meta.db_table} (product_id, category_id) VALUES (%s, %s)",  # noqa: S608
                    links,
                )
                cursor.executemany(
                    f"INSERT INTO {PackingUnit._meta.db_table} (product_id, sort_order, code, quantity, gtin, "  # noqa: S608
                    "gross_weight, length, width, height, package_break) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    packing,
                )
        done = end - have
        rate = done / (time.perf_counter() - started)
        print(f"  generated {end:,} products ({rate:,.0f}/s)", file=sys.stderr, flush=True)


def measure(mode: str, output: str) -> dict:
    """One export in this process (called in a subprocess)."""
    from pim.exports.models import Channel
    from pim.exports.runs import run_export
    from pim.exports.xml import StreamOut, TreeOut

    channel = Channel.objects.get(code="bench")
    started = time.perf_counter()
    run = run_export(channel, output=output, out_class=TreeOut if mode == "tree" else StreamOut)
    seconds = time.perf_counter() - started
    if run.status != "succeeded":
        raise SystemExit(run.error)
    return {
        "mode": mode,
        "products": run.product_count,
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
        "file_mb": Path(output).stat().st_size / 1e6,
    }


def run_child(var_dir: str, mode: str) -> dict:
    output = str(Path(var_dir) / f"bench-{mode}.xml")
    result = subprocess.run(
        [sys.executable, __file__, "--var-dir", var_dir, "--measure", mode, "--output", output],
        check=True,
        capture_output=True,
        text=True,
    )
    os.unlink(output)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument(
        "--tree-max", type=int, default=100000, help="Largest size for the in-memory baseline."
    )
    parser.add_argument("--var-dir", default=str(Path(tempfile.gettempdir()) / "bench-exports"))
    parser.add_argument("--measure", choices=["stream", "tree"], help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    Path(args.var_dir).mkdir(parents=True, exist_ok=True)
    setup_django(args.var_dir)

    if args.measure:
        print(json.dumps(measure(args.measure, args.output)))
        return

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    family, _channel = build_model()
    sizes = [int(size) for size in args.sizes.split(",")]
    rows = []
    for size in sizes:
        print(f"size {size:,}", file=sys.stderr, flush=True)
        grow(family, size)
        connection.close()
        stream = run_child(args.var_dir, "stream")
        tree = run_child(args.var_dir, "tree") if size <= args.tree_max else None
        rows.append((size, stream, tree))
        print(f"  stream {stream}  tree {tree}", file=sys.stderr, flush=True)

    print("## Exports: BMEcat 2005 (T_NEW_CATALOG), streamed vs. in-memory tree\n")
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"database {connection.vendor} ({settings.DATABASES['default']['NAME']}). "
        f"Command: `python bench/exports_bmecat.py --sizes {args.sizes} --tree-max {args.tree_max}`. "
        "Each product: 6 ETIM features + 1 own localized feature, 2 languages, 2 price tiers, 1 category, "
        "trade data (weights, dimensions, 2 packing units; origin, tariff number, delivery time, keywords "
        "inherited from one of 20 series). "
        "Each export runs in a fresh process; time and peak RSS include Django and the database reads.\n"
    )
    print(
        "| products | streamed: s | products/s | peak RSS MB | file MB | in-memory tree: s | products/s | peak RSS MB | memory tree/stream |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for _size, stream, tree in rows:
        cells = [
            f"{stream['products']:,}",
            f"{stream['seconds']:.1f}",
            f"{stream['products'] / stream['seconds']:,.0f}",
            f"{stream['peak_rss_mb']:.0f}",
            f"{stream['file_mb']:.0f}",
        ]
        if tree:
            cells += [
                f"{tree['seconds']:.1f}",
                f"{tree['products'] / tree['seconds']:,.0f}",
                f"{tree['peak_rss_mb']:.0f}",
                f"{tree['peak_rss_mb'] / stream['peak_rss_mb']:.1f}x",
            ]
        else:
            cells += ["–", "–", "–", "–"]
        print("| " + " | ".join(cells) + " |")
    first, last = rows[0][1], rows[-1][1]
    print(
        f"\nMemory flatness: peak RSS at {last['products']:,} products is "
        f"{last['peak_rss_mb'] / first['peak_rss_mb']:.2f}x the peak at {first['products']:,} "
        "(target: within 1.3x)."
    )


if __name__ == "__main__":
    main()

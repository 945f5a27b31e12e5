"""Benchmark: the Excel (XLSX) import and the BMEcat import, against django-import-export.

    python bench/imports.py [--sizes 5000,50000] [--bmecat-sizes 10000,100000]
                            [--var-dir /tmp/bench-imports] [--no-baseline] [--no-bmecat-commit]
                            [--baseline-timeout 600]

Data: a database of its own (SQLite in --var-dir unless DATABASE_URL is set) with the ETIM
demo subset and a demo catalog sized so that the demo channels export at least the largest
size; the demo XLSX channel (machine layout) and the demo BMEcat 2005 channel are exported with
the project's own exporter (``run_export``) and cut to the first N rows / products. The catalog
and the exports are kept in --var-dir and reused while the demo size fits.

Measurements, each in a fresh process so that its peak RSS (``VmHWM``) is its own:

- **ours, dry run**: ``pim.imports.jobs.run_job(commit=False)`` of the file against the catalog
  it came from (every row unchanged: read, validate, compare, store findings).
- **ours, commit**: ``run_job(commit=True)``, all or nothing (the default), into a copy of the
  database from which the file's products were deleted (families, attributes, series and
  categories kept), so every row is a create: drafts with a first revision by a user.
- **django-import-export** (the baseline): a plain ``ModelResource`` over ``Product``
  (article number, GTIN, manufacturer part number and name, family by code, lifecycle, the
  English name; no attributes, units, prices or revisions) importing the same XLSX (tablib)
  into the same models, ``dry_run=True`` against the catalog and a commit into the same copy.
  A baseline measurement still running after ``--baseline-timeout`` seconds is stopped and
  reported as a bound (its rate below ``rows / limit``; our ratio above what that gives).
- **BMEcat**: ``run_job`` of the BMEcat 2005 export cut to N products, dry run and commit.

Tasks go to the database task backend as in production (queued, not run: search, completeness
and reference-index work happens later in the worker). Prints a markdown section.
"""

import argparse
import json
import math
import mmap
import os
import platform
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from html import unescape
from pathlib import Path

from measuring import peak_rss_mb  # bench/measuring.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STATE = "bench-imports.json"
# Share of demo products the demo channels export (public ones); checked after the export.
EXPORTED_SHARE_GUESS = 0.8


def setup_django(var_dir: str) -> None:
    os.environ.setdefault("PIM_VAR_DIR", var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pim.settings")
    os.environ["PIM_DEBUG"] = "0"  # no query log
    os.environ.setdefault("PIM_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["PIM_EXPORT_ROOT"] = str(Path(var_dir) / "exports")
    import django

    django.setup()


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


# -- data ----------------------------------------------------------------------------------------


def build_catalog(products: int) -> None:
    from django.core.management import call_command

    from pim.catalog.models import Family
    from pim.exports.demo import create_demo_channels

    if not Family.objects.exclude(etim_class_code="").exists():
        call_command("import_etim", demo_subset=True, no_progress=True, verbosity=0)
    print(f"  demo catalog: {products:,} products", file=sys.stderr, flush=True)
    call_command("demo_catalog", products=products, reset=True, with_extras=False, verbosity=0)
    create_demo_channels()


def export_channel(code: str, var_dir: Path, name: str) -> tuple[Path, int]:
    from pim.exports.models import Channel
    from pim.exports.runs import run_export

    output = var_dir / name
    run = run_export(Channel.objects.get(code=code), output=str(output))
    if run.status != "succeeded":
        raise SystemExit(f"export {code} failed: {run.error}")
    return output, run.product_count


def prepare(args, var_dir: Path) -> dict:
    """The catalog and the full exports (reused from an earlier run when big enough)."""
    from pim.catalog.demo.generator import demo_products

    wanted = max(args.sizes + args.bmecat_sizes)
    state_path = var_dir / STATE
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    have = demo_products().count()
    if (
        state.get("demo_products") == have
        and state.get("xlsx_rows", 0) >= max(args.sizes)
        and state.get("bmecat_products", 0) >= max(args.bmecat_sizes, default=0)
        and Path(state["xlsx"]).exists()
        and Path(state["bmecat"]).exists()
    ):
        return state
    products = math.ceil(wanted / EXPORTED_SHARE_GUESS * 1.02)
    while True:
        build_catalog(products)
        xlsx, xlsx_rows = export_channel("demo-xlsx", var_dir, "full.xlsx")
        bmecat, bmecat_products = export_channel("demo-bmecat2005", var_dir, "full.xml")
        exported = min(xlsx_rows, bmecat_products)
        print(f"  exported {xlsx_rows:,} rows / {bmecat_products:,} products", file=sys.stderr, flush=True)
        if xlsx_rows >= max(args.sizes) and bmecat_products >= max(args.bmecat_sizes, default=0):
            break
        products = math.ceil(products * wanted / max(exported, 1) * 1.05)
    state = {
        "demo_products": demo_products().count(),
        "xlsx": str(xlsx),
        "xlsx_rows": xlsx_rows,
        "bmecat": str(bmecat),
        "bmecat_products": bmecat_products,
    }
    state_path.write_text(json.dumps(state))
    return state


def cut_xlsx(source: Path, rows: int, output: Path) -> list[str]:
    """The header and the first ``rows`` data rows of ``source``, cells typed as they were (a
    text that starts like a formula stays text); returns the article numbers."""
    from openpyxl import Workbook, load_workbook
    from openpyxl.cell import WriteOnlyCell

    reader = load_workbook(source, read_only=True)
    sheet = reader.worksheets[0]
    writer = Workbook(write_only=True)
    target = writer.create_sheet(sheet.title)
    numbers = []
    for index, row in enumerate(sheet.iter_rows(values_only=True)):
        if index > rows:
            break
        cells = []
        for value in row:
            cell = WriteOnlyCell(target, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
            cells.append(cell)
        target.append(cells)
        if index:
            numbers.append(str(row[0]))
    reader.close()
    writer.save(output)
    return numbers


_PRODUCT_OPEN = re.compile(rb"<PRODUCT[ >]")
_PRODUCT_CLOSE = b"</PRODUCT>"
_SUPPLIER_PID = re.compile(rb"<SUPPLIER_PID(?: [^>]*)?>([^<]*)</SUPPLIER_PID>")


def cut_bmecat(source: Path, products: int, output: Path) -> list[str]:
    """The document with only its first ``products`` PRODUCT elements (header, catalog groups
    and the rest of the document kept); returns their article numbers. Byte-level, so a file
    of any size is cut without parsing it."""
    numbers = []
    with open(source, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        first = _PRODUCT_OPEN.search(data)
        end = first.start()
        for _ in range(products):
            close = data.find(_PRODUCT_CLOSE, end)
            if close < 0:
                break
            start, end = end, close + len(_PRODUCT_CLOSE)
            match = _SUPPLIER_PID.search(data, start, end)
            numbers.append(unescape(match.group(1).decode()))
        rest = data.rfind(_PRODUCT_CLOSE) + len(_PRODUCT_CLOSE)
        with open(output, "wb") as out:
            out.write(data[:end])
            for offset in range(rest, len(data), 1 << 24):
                out.write(data[offset : min(offset + (1 << 24), len(data))])
    return numbers


# -- database copies for the commits -----------------------------------------------------------


def database_copy(name: str) -> str:
    """A copy of the benchmark's database (its DATABASE_URL): commits write into copies."""
    from django.db import connection

    settings = connection.settings_dict
    connection.close()
    if connection.vendor == "sqlite":
        path = Path(settings["NAME"]).with_name(f"{name}.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        source = sqlite3.connect(settings["NAME"])
        target = sqlite3.connect(path)
        source.backup(target)
        target.close()
        source.close()
        return f"sqlite:///{path}"
    if connection.vendor == "postgresql":
        import psycopg

        params = {
            "host": settings["HOST"],
            "port": settings["PORT"] or 5432,
            "user": settings["USER"],
            "password": settings["PASSWORD"],
            "dbname": "postgres",
            "autocommit": True,
        }
        database = f"{settings['NAME']}_{name}"
        with psycopg.connect(**params) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{database}"')
            server.execute(f'CREATE DATABASE "{database}" TEMPLATE "{settings["NAME"]}"')
        return f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:{params['port']}/{database}"
    raise SystemExit(f"no copies of a {connection.vendor} database")


def drop_copy(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    database = url.rsplit("/", 1)[1]
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    ) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{database}"')


def delete_products(numbers_file: str) -> int:
    """Delete the listed products (in a child process on a copy): the commit creates them."""
    from django.db import transaction

    from pim.catalog.identifiers import normalize_article_number
    from pim.catalog.models import Product

    keys = [normalize_article_number(n) for n in json.loads(Path(numbers_file).read_text())]
    deleted = 0
    with transaction.atomic():
        for start in range(0, len(keys), 2000):
            chunk = keys[start : start + 2000]
            # Relations point both ways inside the file: clear them first, then the rows.
            Product.objects.filter(successor__article_number_key__in=chunk).update(successor=None)
            deleted += (
                Product.objects.filter(article_number_key__in=chunk).delete()[1].get("catalog.Product", 0)
            )
    return deleted


# -- measurements (each in its own process) ----------------------------------------------------


def bench_user():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username="bench-importer")
    return user


def measure_ours(path: str, commit: bool) -> dict:
    from django.core.files import File

    from pim.imports import jobs, read_ahead
    from pim.imports.models import ImportJob

    source = Path(path)
    job = ImportJob(
        original_name=source.name, source_format=jobs.detect_format(source.name), user=bench_user()
    )
    with open(source, "rb") as handle:
        job.file.save(source.name, File(handle), save=False)
    job.save()
    started = time.perf_counter()
    jobs.run_job(job, commit=commit)
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    return {
        "seconds": seconds,
        "rows": job.rows_done,
        "status": job.status,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "invalid": job.invalid_count,
        "warnings": job.warning_count,
        "message": job.message[:300],
        "peak_rss_mb": peak_rss_mb(),
        # A large workbook is parsed by a forked reader process: its own memory, beside ours.
        "reader_mb": read_ahead.last_reader_memory_mb,
    }


def product_resource():
    """A plain django-import-export resource over Product: what an everyday Django shop writes."""
    from import_export import fields, resources, widgets

    from pim.catalog.identifiers import normalize_article_number
    from pim.catalog.models import Family, Product

    class EnglishText(widgets.Widget):
        """The English text of a localized JSON field."""

        def clean(self, value, row=None, **kwargs):
            return {"en": value} if value else {}

        def render(self, value, obj=None, **kwargs):
            return (value or {}).get("en", "")

    class ProductResource(resources.ModelResource):
        article_number_key = fields.Field(attribute="article_number_key", column_name="article_number_key")
        family = fields.Field(
            attribute="family", column_name="family", widget=widgets.ForeignKeyWidget(Family, field="code")
        )
        name = fields.Field(attribute="name", column_name="name (en)", widget=EnglishText())

        class Meta:
            model = Product
            fields = (
                "article_number_key",
                "article_number",
                "gtin",
                "manufacturer_pid",
                "manufacturer_name",
                "family",
                "lifecycle",
                "name",
            )
            # The unique lookup key (the raw article number has no index).
            import_id_fields = ("article_number_key",)

        def before_import(self, dataset, **kwargs):
            # The lookup column, derived as Product.save derives it.
            numbers = dataset["article_number"]
            dataset.append_col(
                [normalize_article_number(str(n or "")) for n in numbers], "article_number_key"
            )

        def before_import_row(self, row, **kwargs):
            for name in ("gtin", "manufacturer_pid", "manufacturer_name"):
                row[name] = "" if row.get(name) is None else str(row[name])

    return ProductResource()


def measure_baseline(path: str, commit: bool) -> dict:
    import tablib

    started = time.perf_counter()
    with open(path, "rb") as handle:
        dataset = tablib.Dataset().load(handle, format="xlsx")
    result = product_resource().import_data(dataset, dry_run=not commit, raise_errors=False)
    seconds = time.perf_counter() - started
    totals = dict(result.totals)
    return {
        "seconds": seconds,
        "rows": len(dataset),
        "created": totals.get("new", 0),
        "updated": totals.get("update", 0),
        "unchanged": totals.get("skip", 0),
        "invalid": totals.get("error", 0) + totals.get("invalid", 0),
        "errors": [str(e.error)[:200] for e in result.base_errors[:3]]
        + [str(r.validation_error)[:200] for r in result.invalid_rows[:3]],
        "peak_rss_mb": peak_rss_mb(),
    }


def child(args_list: list[str], database_url: str | None = None, timeout: float | None = None) -> dict:
    """Run this script with ``args_list`` in a fresh process; its last output line (JSON).
    With ``timeout``: a child still running after it is stopped and reported as such."""
    env = dict(os.environ)
    if database_url:
        env["DATABASE_URL"] = database_url
    try:
        result = subprocess.run(
            [sys.executable, __file__, *args_list],
            check=False,
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"timed_out": True, "seconds": timeout}
    if result.returncode:
        raise SystemExit(f"child {args_list} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measured(
    kind: str, path: Path, commit: bool, database_url: str | None = None, timeout: float | None = None
) -> dict:
    result = child(
        ["--var-dir", os.environ["PIM_VAR_DIR"], "--measure", kind, "--file", str(path)]
        + (["--commit"] if commit else []),
        database_url,
        timeout,
    )
    if result.get("timed_out"):
        result.update(rows=rows_of(path), peak_rss_mb=None)
    print(f"    {kind} {'commit' if commit else 'dry run'}: {result}", file=sys.stderr, flush=True)
    return result


def commit_copy(name: str, numbers: list[str], var_dir: Path) -> str:
    url = database_copy(name)
    numbers_file = var_dir / f"{name}.json"
    numbers_file.write_text(json.dumps(numbers))
    deleted = child(["--var-dir", str(var_dir), "--delete", str(numbers_file)], url)["deleted"]
    if deleted != len(numbers):
        raise SystemExit(f"{name}: deleted {deleted} of {len(numbers)} products")
    return url


def run_commit(
    kind: str, path: Path, numbers: list[str], var_dir: Path, timeout: float | None = None
) -> dict:
    url = commit_copy(f"commit-{kind}-{len(numbers)}", numbers, var_dir)
    try:
        return measured(kind, path, True, url, timeout)
    finally:
        drop_copy(url)


_ROW_COUNTS: dict[str, int] = {}


def rows_of(path: Path) -> int:
    """The data rows (or products) of a file this script cut (remembered when it cut them)."""
    return _ROW_COUNTS[str(path)]


# -- report ------------------------------------------------------------------------------------


def rate(result: dict | None) -> str:
    if not result:
        return "–"
    # A measurement stopped at its time limit: its rate was below what the limit allows.
    prefix = "< " if result.get("timed_out") else ""
    return f"{prefix}{result['rows'] / result['seconds']:,.0f}"


def ratio(ours: dict | None, theirs: dict | None) -> str:
    if not ours or not theirs:
        return "–"
    prefix = "> " if theirs.get("timed_out") else ""
    return f"{prefix}{(ours['rows'] / ours['seconds']) / (theirs['rows'] / theirs['seconds']):.1f}x"


def peak(result: dict | None) -> str:
    if not result or result.get("peak_rss_mb") is None:
        return "–"
    return f"{result['peak_rss_mb']:.0f}"


def total_mb(result: dict) -> float:
    """Peak RSS of the import process plus the private memory of its reader process."""
    return result["peak_rss_mb"] + (result.get("reader_mb") or 0)


def our_peak(result: dict) -> str:
    reader = result.get("reader_mb")
    return f"{result['peak_rss_mb']:.0f}" + (f" + {reader:.0f}" if reader else "")


def counts(result: dict) -> str:
    return "/".join(str(result[key]) for key in ("created", "updated", "unchanged", "invalid"))


def report(args, state, tabular_rows, bmecat_rows, loads) -> None:
    from django.conf import settings
    from django.db import connection

    print("## Imports: Excel (XLSX) and BMEcat, against django-import-export\n")
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"database {connection.vendor} ({settings.DATABASES['default']['NAME']}). "
        f"Command: `python bench/imports.py --sizes {','.join(map(str, args.sizes))} "
        f"--bmecat-sizes {','.join(map(str, args.bmecat_sizes))}`. Commit {git_commit()}. "
        f"Load average at start {loads[0]}, at the end {loads[1]}. "
        f"Data: demo catalog of {state['demo_products']:,} products (ETIM demo subset); the demo XLSX "
        f"channel (machine layout) and the demo BMEcat 2005 channel exported by `run_export` and cut "
        "to the first N rows. Dry run: the file against the catalog it came from (all rows unchanged). "
        "Commit: all or nothing, into a copy of the database without the file's products (all rows "
        "new: drafts with a first revision). Each measurement in a fresh process; time covers reading, "
        "planning, storing findings and writing; peak RSS includes Django. “+ N”: the private memory "
        "of the process that parses a large workbook beside the import (`pim.imports.read_ahead`; "
        "the pages it shares with the import process are not counted twice). Counts are "
        "created/updated/unchanged/invalid.\n"
    )
    print(
        "| rows | ours dry run: s | rows/s | peak RSS MB | counts | ours commit: s | rows/s | peak RSS MB "
        "| counts | import-export dry run: rows/s | peak RSS MB | import-export commit: rows/s "
        "| peak RSS MB | ours/import-export dry run | commit |"
    )
    print("|" + "---:|" * 15)
    for size, dry, commit, base_dry, base_commit in tabular_rows:
        cells = [
            f"{size:,}",
            f"{dry['seconds']:.1f}",
            rate(dry),
            our_peak(dry),
            counts(dry),
            f"{commit['seconds']:.1f}",
            rate(commit),
            our_peak(commit),
            counts(commit),
            rate(base_dry),
            peak(base_dry),
            rate(base_commit),
            peak(base_commit),
            ratio(dry, base_dry),
            ratio(commit, base_commit),
        ]
        print("| " + " | ".join(cells) + " |")
    if bmecat_rows:
        print(
            "\n| BMEcat 2005 products | dry run: s | products/s | peak RSS MB | counts | commit: s "
            "| products/s | peak RSS MB | counts |"
        )
        print("|" + "---:|" * 9)
        for size, dry, commit in bmecat_rows:
            cells = [
                f"{size:,}",
                f"{dry['seconds']:.1f}",
                rate(dry),
                f"{dry['peak_rss_mb']:.0f}",
                counts(dry),
            ]
            if commit:
                cells += [
                    f"{commit['seconds']:.1f}",
                    rate(commit),
                    f"{commit['peak_rss_mb']:.0f}",
                    counts(commit),
                ]
            else:
                cells += ["–"] * 4
            print("| " + " | ".join(cells) + " |")

    print("\nTargets:")
    slowest = min((r[key]["rows"] / r[key]["seconds"] for r in tabular_rows for key in (1, 2)), default=0)
    print(
        f"- ≥ 1,000 rows/s (XLSX, dry run and commit): slowest {slowest:,.0f} rows/s — "
        f"{'met' if slowest >= 1000 else 'not met'}."
    )
    if tabular_rows[-1][3]:
        ratios = [
            (r[k]["rows"] / r[k]["seconds"]) / (r[k + 2]["rows"] / r[k + 2]["seconds"])
            for r in tabular_rows
            for k in (1, 2)
            if r[k + 2]
        ]
        print(
            f"- ≥ 3x django-import-export: lowest ratio {min(ratios):.1f}x — "
            f"{'met' if min(ratios) >= 3 else 'not met'}"
            + (
                f" (a baseline stopped at its limit of {args.baseline_timeout:g} s counts at the "
                "rate the limit allows: the true ratio is higher)."
                if any(r[k] and r[k].get("timed_out") for r in tabular_rows for k in (3, 4))
                else "."
            )
        )
    first, last = tabular_rows[0], tabular_rows[-1]
    for key, label in ((1, "dry run"), (2, "commit")):
        growth = total_mb(last[key]) / total_mb(first[key])
        print(
            f"- Memory flat {first[0]:,} → {last[0]:,} rows ({label}): peak RSS with the reader "
            f"{total_mb(first[key]):.0f} → {total_mb(last[key]):.0f} MB ({growth:.2f}x)."
        )
    if len(bmecat_rows) > 1:
        small, large = bmecat_rows[0], bmecat_rows[-1]
        growth = large[1]["peak_rss_mb"] / small[1]["peak_rss_mb"]
        print(
            f"- BMEcat memory {large[0]:,}/{small[0]:,} products (dry run): {growth:.2f}x (target ≤ 1.3x) — "
            f"{'met' if growth <= 1.3 else 'not met'}."
        )


def git_commit() -> str:
    """The checkout's commit, marked when the working tree has changes."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return f"{commit} with uncommitted changes" if dirty else commit


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="5000,50000")
    parser.add_argument("--bmecat-sizes", default="10000,100000")
    parser.add_argument("--var-dir", default=str(Path(tempfile.gettempdir()) / "bench-imports"))
    parser.add_argument("--no-baseline", action="store_true", help="Skip django-import-export.")
    parser.add_argument("--no-bmecat-commit", action="store_true", help="Only the BMEcat dry runs.")
    parser.add_argument(
        "--baseline-timeout",
        type=float,
        default=600,
        help="Seconds after which a django-import-export measurement is stopped and reported as a bound.",
    )
    parser.add_argument("--measure", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--commit", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--delete", help=argparse.SUPPRESS)
    args = parser.parse_args()
    var_dir = Path(args.var_dir)
    var_dir.mkdir(parents=True, exist_ok=True)
    setup_django(str(var_dir))

    if args.measure:
        measure = measure_ours if args.measure == "ours" else measure_baseline
        print(json.dumps(measure(args.file, args.commit)))
        return
    if args.delete:
        print(json.dumps({"deleted": delete_products(args.delete)}))
        return

    from django.core.management import call_command

    args.sizes = [int(size) for size in args.sizes.split(",") if size]
    args.bmecat_sizes = [int(size) for size in args.bmecat_sizes.split(",") if size]
    loads = [load_average()]
    call_command("migrate", verbosity=0)
    state = prepare(args, var_dir)
    tabular_rows, bmecat_rows = [], []
    for size in args.sizes:
        print(f"XLSX {size:,} rows", file=sys.stderr, flush=True)
        path = var_dir / f"rows-{size}.xlsx"
        numbers = cut_xlsx(Path(state["xlsx"]), size, path)
        _ROW_COUNTS[str(path)] = len(numbers)
        dry = measured("ours", path, False)
        commit = run_commit("ours", path, numbers, var_dir)
        base_dry = base_commit = None
        if not args.no_baseline:
            base_dry = measured("baseline", path, False, timeout=args.baseline_timeout)
            base_commit = run_commit("baseline", path, numbers, var_dir, timeout=args.baseline_timeout)
        tabular_rows.append((size, dry, commit, base_dry, base_commit))
    for size in args.bmecat_sizes:
        print(f"BMEcat {size:,} products", file=sys.stderr, flush=True)
        path = var_dir / f"products-{size}.xml"
        numbers = cut_bmecat(Path(state["bmecat"]), size, path)
        dry = measured("ours", path, False)
        commit = None if args.no_bmecat_commit else run_commit("ours", path, numbers, var_dir)
        bmecat_rows.append((size, dry, commit))
        path.unlink()
    loads.append(load_average())
    report(args, state, tabular_rows, bmecat_rows, loads)
    shutil.rmtree(var_dir / "media" / "imports", ignore_errors=True)


if __name__ == "__main__":
    main()

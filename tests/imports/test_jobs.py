"""The job runner: dry run, all-or-nothing and skip-invalid commits, findings, progress, the
error file, reaping dead jobs (reader, planner and committer are fakes: tests/imports/job_fakes.py)."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone

from pim.catalog.models import Category, Product
from pim.exports.models import ExportFormat
from pim.imports import jobs
from pim.imports.models import ImportFinding, ImportJob, ImportStatus, SourceFormat
from pim.imports.records import IncomingProduct, Location, Problem, Raw
from tests.exports.conftest import build_catalog, make_channel
from tests.exports.test_bmecat2005 import export
from tests.factories import make_product, make_valve_family
from tests.imports import job_fakes

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    return make_valve_family()


@pytest.fixture
def fakes(monkeypatch, family):
    return job_fakes.install(monkeypatch, family)


def make_job(rows, *, user=None, **options) -> ImportJob:
    job = ImportJob(original_name="products.csv", source_format=SourceFormat.TABULAR, user=user, **options)
    job.file.save("products.csv", ContentFile(job_fakes.csv_bytes(rows)), save=False)
    job.save()
    return job


def catalog_dump():
    return sorted(Product.objects.values_list("article_number", "name", "live"))


def test_dry_run_stores_findings_and_counts_and_writes_nothing(fakes, family):
    make_product(family, article_number="KH-1", name={"en": "Ball valve"})
    make_product(family, article_number="KH-2", name={"en": "Ball valve"})
    before = catalog_dump()
    job = make_job(
        [
            ["KH-1", "Ball valve DN15", ""],
            ["KH-2", "Ball valve", "warn"],
            ["KH-3", "New valve", ""],
            ["KH-4", "Broken", "bad"],
            ["KH-3", "Again", ""],
        ]
    )
    progress = []

    jobs.run_job(job, commit=False, progress=lambda done, total: progress.append((done, total)))

    job.refresh_from_db()
    assert catalog_dump() == before
    assert fakes.applied == []
    assert job.status == ImportStatus.CHECKED
    assert (job.created_count, job.updated_count, job.unchanged_count, job.invalid_count) == (1, 1, 1, 2)
    assert job.warning_count == 1
    assert (job.rows_total, job.rows_done) == (5, 5)
    assert progress == [(5, 5)]
    assert "2 row(s) with errors" in job.message
    update = job.findings.get(kind=ImportFinding.Kind.UPDATE)
    assert (update.article_number, update.row) == ("KH-1", 2)
    assert update.changes == [["Name (en)", "Ball valve", "Ball valve DN15"]]
    assert job.findings.get(kind=ImportFinding.Kind.CREATE).article_number == "KH-3"
    errors = {
        (f.row, f.column, f.value): f.message for f in job.findings.filter(kind=ImportFinding.Kind.ERROR)
    }
    assert errors == {
        (5, "note", "bad"): "Unknown unit “bra”: write bar or psi.",
        (6, "article_number", "KH-3"): "Article number KH-3 is also in row 4.",
    }
    assert job.findings.filter(kind=ImportFinding.Kind.WARNING, row=3).count() == 1


def test_planning_runs_in_batches_with_progress_per_batch(fakes, monkeypatch):
    monkeypatch.setattr(jobs, "BATCH", 2)
    job = make_job([[f"KH-{n}", "Valve", ""] for n in range(5)])
    progress = []

    jobs.run_job(job, commit=False, progress=lambda done, total: progress.append(done))

    assert job_fakes.FakePlanner.batches == [2, 2, 1]
    assert progress == [2, 4, 5]
    job.refresh_from_db()
    assert job.created_count == 5 and job.heartbeat_at is not None


def test_a_second_dry_run_replaces_the_findings(fakes):
    job = make_job([["KH-1", "Valve", "bad"]])
    jobs.run_job(job, commit=False)
    jobs.run_job(job, commit=False)
    assert job.findings.count() == 1


def test_file_level_error_fails_the_job_and_writes_nothing(fakes):
    job = ImportJob(original_name="other.csv", source_format=SourceFormat.TABULAR)
    job.file.save("other.csv", ContentFile(b"sku,title\nKH-1,Valve\n"), save=False)
    job.save()

    jobs.run_job(job, commit=True)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "The column “article_number” is missing." in job.message
    assert "Nothing was imported" in job.message
    assert Product.objects.count() == 0
    assert job.findings.get().kind == ImportFinding.Kind.ERROR


@pytest.mark.parametrize(("commit", "skip_invalid"), [(False, False), (True, False), (True, True)])
def test_a_file_that_breaks_while_read_fails_the_job(fakes, commit, skip_invalid):
    job = make_job(
        [["KH-1", "One", ""], ["KH-2", "Two", "stop"], ["KH-3", "Three", ""]], skip_invalid=skip_invalid
    )

    jobs.run_job(job, commit=commit)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "The file ends inside an element." in job.message
    assert "line 3" in job.message
    # Only skipping invalid rows keeps what was read before the break.
    assert Product.objects.filter(article_number="KH-1").exists() is skip_invalid


def test_commit_all_or_nothing_writes_every_change(fakes, family, django_user_model):
    user = django_user_model.objects.create_user("pm", password="x")
    make_product(family, article_number="KH-1", name={"en": "Ball valve"})
    job = make_job([["KH-1", "Ball valve DN15", ""], ["KH-2", "New", ""]], user=user)

    jobs.run_job(job, commit=True)

    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED, job.message
    assert Product.objects.get(article_number="KH-1").name["en"] == "Ball valve DN15"
    assert Product.objects.get(article_number="KH-2").live is False  # without publish: a draft
    assert fakes.applied == [("KH-1", user, False), ("KH-2", user, False)]
    assert (job.created_count, job.updated_count) == (1, 1)
    assert job.findings.filter(kind__in=["create", "update"]).count() == 2
    assert "drafts" in job.message


@pytest.mark.parametrize("skip_invalid", [False, True])
def test_relations_to_products_later_in_the_file_are_linked_after_the_file(fakes, monkeypatch, skip_invalid):
    monkeypatch.setattr(jobs, "BATCH", 1)
    job = make_job(
        [["KH-1", "Valve", "rel:KH-3"], ["KH-2", "Valve", ""], ["KH-3", "Handle", ""]],
        skip_invalid=skip_invalid,
    )

    jobs.run_job(job, commit=False)
    assert fakes.applied == []

    jobs.run_job(job, commit=True)
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED, job.message
    assert [number for number, _user, _publish in fakes.applied] == ["KH-1", "KH-2", "KH-3", "KH-1->KH-3"]


def test_commit_all_or_nothing_leaves_the_catalog_unchanged_on_one_bad_row(fakes, family, monkeypatch):
    monkeypatch.setattr(jobs, "BATCH", 2)
    make_product(family, article_number="KH-1", name={"en": "Ball valve"})
    before = catalog_dump()
    # The bad row comes after good rows were already written in earlier batches.
    job = make_job([["KH-1", "Changed", ""], ["KH-2", "New", ""], ["KH-3", "New", ""], ["KH-4", "x", "bad"]])

    jobs.run_job(job, commit=True)

    job.refresh_from_db()
    assert catalog_dump() == before
    assert job.status == ImportStatus.FAILED
    assert job.message.startswith("1 row(s) have errors, so nothing was imported")
    # The findings outlive the rollback: the user sees which row to fix.
    error = job.findings.get(kind=ImportFinding.Kind.ERROR)
    assert (error.row, error.column) == (5, "note")
    assert job.error_file.name == ""


def test_commit_all_or_nothing_rolls_back_when_the_catalog_refuses_a_product(fakes, family):
    before = catalog_dump()
    job = make_job([["KH-1", "Good", ""], ["KH-2", "refused", ""]])

    jobs.run_job(job, commit=True)

    job.refresh_from_db()
    assert catalog_dump() == before
    assert job.status == ImportStatus.FAILED
    assert "KH-2" in job.message and "The catalog refused this name." in job.message
    assert job.findings.get(kind=ImportFinding.Kind.ERROR).article_number == "KH-2"


def test_skip_invalid_imports_the_good_rows_and_writes_an_error_file(fakes, family):
    make_product(family, article_number="KH-1", name={"en": "Ball valve"})
    job = make_job(
        [
            ["KH-1", "Changed", ""],
            ["KH-2", "=cmd|' /C calc'!A0", "bad"],
            ["KH-3", "New", ""],
            ["KH-4", "refused", ""],
        ],
        skip_invalid=True,
        publish=True,
    )

    jobs.run_job(job, commit=True)

    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED, job.message
    assert Product.objects.get(article_number="KH-1").name["en"] == "Changed"
    assert Product.objects.get(article_number="KH-3").live is True  # published on request
    assert not Product.objects.filter(article_number__in=["KH-2", "KH-4"]).exists()
    assert (job.created_count, job.updated_count, job.invalid_count) == (1, 1, 2)
    assert "2 row(s) with errors were skipped" in job.message
    with job.error_file.open("rb") as handle:
        rows = list(csv.reader(io.TextIOWrapper(handle, encoding="utf-8")))
    assert rows[0] == ["article_number", "name (en)", "note", "error"]
    assert [row[:3] for row in rows[1:]] == [["KH-2", "=cmd|' /C calc'!A0", "bad"], ["KH-4", "refused", ""]]
    assert rows[1][3] == "row 3, column “note”: Unknown unit “bra”: write bar or psi."
    assert "The catalog refused this name." in rows[2][3]
    assert job.error_file.name.endswith(".csv")


def test_skip_invalid_rejects_only_the_refused_draft_of_a_bulk_batch(fakes, family):
    """New drafts are written per batch; when the catalog refuses the batch, each is written
    on its own and only the refused row is rejected."""
    job = make_job(
        [["KH-3", "New", ""], ["KH-4", "refused", ""], ["KH-5", "Also new", ""]], skip_invalid=True
    )

    jobs.run_job(job, commit=True)

    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED, job.message
    assert set(Product.objects.values_list("article_number", flat=True)) == {"KH-3", "KH-5"}
    assert (job.created_count, job.invalid_count) == (2, 1)
    assert job.findings.get(kind=ImportFinding.Kind.ERROR).article_number == "KH-4"


def test_bmecat_error_list_names_products_and_lines():
    stream = io.BytesIO()
    incoming = IncomingProduct(article_number=Raw("=A1"), location=Location(line=42))
    problem = Problem("No SUPPLIER_PID.", Location(line=42, column="PRODUCT"))
    jobs.write_product_error_list(stream, [(incoming, [problem])])
    rows = list(csv.reader(io.StringIO(stream.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["article number", "line", "error"],
        ["'=A1", "42", "line 42, column “PRODUCT”: No SUPPLIER_PID."],
    ]


def test_broken_reader_fails_the_job_with_a_message_never_raises(fakes, monkeypatch):
    def explode(*args, **kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(jobs.tabular, "open_tabular", explode)
    job = make_job([["KH-1", "Valve", ""]])

    jobs.run_job(job, commit=False)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "OSError: disk gone" in job.message


def test_reap_dead_jobs_fails_running_jobs_without_heartbeat(settings):
    settings.PIM_IMPORT_JOB_TIMEOUT_SECONDS = 60
    stale = timezone.now() - timedelta(minutes=5)
    dead = ImportJob.objects.create(
        original_name="a.csv", source_format="tabular", status=ImportStatus.CHECKING, heartbeat_at=stale
    )
    alive = ImportJob.objects.create(
        original_name="b.csv", source_format="tabular", status=ImportStatus.IMPORTING, heartbeat_at=stale
    )
    # An all-or-nothing commit beats in the cache only, while its transaction is open.
    cache.set(jobs._cache_key(alive.pk), {"rows_done": 10, "heartbeat_at": timezone.now().isoformat()})

    reaped = jobs.reap_dead_jobs()

    assert [job.pk for job in reaped] == [dead.pk]
    dead.refresh_from_db()
    assert dead.status == ImportStatus.FAILED and "no sign of life" in dead.message
    alive.refresh_from_db()
    assert alive.status == ImportStatus.IMPORTING
    assert jobs.live_progress(alive)[0] == 10


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("a.csv", b"", "tabular"),
        ("a.xlsx", b"PK", "tabular"),
        ("catalog.xml", b"", "bmecat"),
        ("upload", b"\xef\xbb\xbf<?xml version='1.0'?>", "bmecat"),
        ("upload", b"article_number;name\n", "tabular"),
    ],
)
def test_detect_format(name, head, expected):
    assert jobs.detect_format(name, head) == expected


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_all_or_nothing_rolls_back_a_real_transaction_and_keeps_the_findings(monkeypatch):
    family = make_valve_family()
    fakes = job_fakes.install(monkeypatch, family)
    make_product(family, article_number="KH-1", name={"en": "Ball valve"})
    before = catalog_dump()
    job = make_job([["KH-1", "Changed", ""], ["KH-2", "New", ""], ["KH-3", "x", "bad"]])

    jobs.run_job(job, commit=True)

    # KH-1 written, then undone; the batch's new drafts are written at its end, not after an error.
    assert [number for number, _user, _publish in fakes.applied] == ["KH-1"]
    assert catalog_dump() == before
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.findings.filter(kind=ImportFinding.Kind.ERROR).count() == 1
    assert job.findings.filter(kind__in=["create", "update"]).count() == 2  # what would have changed


# -- the real reader and planner: what the runner must do with them -------------------------------


def make_real_job(data: bytes, name: str, **options) -> ImportJob:
    job = ImportJob(original_name=name, source_format=SourceFormat.TABULAR, **options)
    job.file.save(name, ContentFile(data), save=False)
    job.save()
    return job


def test_a_file_level_error_blocks_also_a_commit_that_skips_invalid_rows(family):
    data = b"article_number;family;name (en);max_pressure [bra]\nKH-9;valves;Valve;16\n"
    job = make_real_job(data, "products.csv", skip_invalid=True)

    jobs.run_job(job, commit=True)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "Nothing was imported" in job.message and "bra" in job.message
    assert not Product.objects.exists()
    error = job.findings.get(kind=ImportFinding.Kind.ERROR)
    assert (error.row, error.column) == (1, "max_pressure [bra]")


def test_the_error_file_is_written_in_the_encoding_and_delimiter_the_file_was_read_in(family):
    data = (
        "article_number;family;name (en);max_pressure [bar]\r\n"
        "KH-1;valves;Ball valve;16\r\n"
        "KH-2;valves;Kugelhahn für Wasser;sixteen\r\n"
    ).encode("cp1252")
    job = make_real_job(data, "lieferant.csv", skip_invalid=True)

    jobs.run_job(job, commit=True)

    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED, job.message
    assert list(Product.objects.values_list("article_number", flat=True)) == ["KH-1"]
    assert job.error_file.name.endswith(".csv")
    with job.error_file.open("rb") as handle:
        text = handle.read().decode("cp1252")  # not UTF-8: as the supplier's Excel wrote it
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["article_number", "family", "name (en)", "max_pressure [bar]", "error"]
    assert rows[1][:4] == ["KH-2", "valves", "Kugelhahn für Wasser", "sixteen"]
    assert "max_pressure" in rows[1][4]


def test_warnings_of_the_planner_at_the_end_of_the_file_are_stored(fakes, monkeypatch):
    warning = Problem(
        "“KH-404” (accessory) is neither in the catalog nor in the file; the relation was not linked.",
        Location(row=2, column="accessory"),
        severity="warning",
        value="KH-404",
        article_number="KH-1",
    )
    monkeypatch.setattr(job_fakes.FakePlanner, "finish", lambda self: [warning])
    job = make_job([["KH-1", "Valve", ""]])

    jobs.run_job(job, commit=True)

    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED, job.message
    assert job.warning_count == 1
    stored = job.findings.get(kind=ImportFinding.Kind.WARNING)
    assert (stored.article_number, stored.row, stored.value) == ("KH-1", 2, "KH-404")


def test_the_import_settings_are_read_from_the_settings(settings):
    settings.PIM_IMPORT_INLINE_ROWS = 7
    settings.PIM_IMPORT_JOB_TIMEOUT_SECONDS = 11
    settings.PIM_IMPORT_QUEUED_TIMEOUT_SECONDS = 13
    assert (jobs.inline_rows_limit(), jobs.job_timeout_seconds(), jobs.queued_timeout_seconds()) == (
        7,
        11,
        13,
    )


def test_a_bmecat_file_that_breaks_after_its_products_writes_not_even_its_groups(settings, tmp_path):
    """The catalog groups are read in a first pass over the whole file: a break anywhere is a
    file error before anything is written, also when invalid products would be skipped."""
    settings.PIM_EXPORT_ROOT = tmp_path / "exports"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    build_catalog()
    run = export(make_channel(ExportFormat.BMECAT_2005, code="bme"))
    xml = run.file_path().read_bytes()
    assert b"CATALOG_STRUCTURE" in xml
    Product.objects.all().delete()
    Category.objects.filter(parent__isnull=False).delete()  # children first: parents are protected
    Category.objects.all().delete()
    job = ImportJob(original_name="supplier.xml", source_format=SourceFormat.BMECAT, skip_invalid=True)
    job.file.save("supplier.xml", ContentFile(xml[: len(xml) - 200]), save=False)
    job.save()

    jobs.run_job(job, commit=True)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "not well-formed" in job.message and "Nothing was imported" in job.message
    assert not Category.objects.exists() and not Product.objects.exists()

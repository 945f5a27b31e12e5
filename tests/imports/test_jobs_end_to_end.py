"""The job runner with the real reader, planner and committer: a CSV export of the catalog
imports back unchanged; one edited cell is one change, a draft revision by the importing user."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from pim.catalog.models import Product
from pim.exports.models import ExportFormat
from pim.imports import jobs
from pim.imports.models import ImportFinding, ImportJob, ImportStatus, SourceFormat
from tests.exports.conftest import build_catalog, make_channel
from tests.exports.test_tabular import export

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported_csv(settings, tmp_path):
    settings.PIM_EXPORT_ROOT = tmp_path / "exports"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    build_catalog()
    run = export(make_channel(ExportFormat.CSV, code="csv"))
    return run.file_path().read_bytes()


def make_job(data: bytes, **options) -> ImportJob:
    job = ImportJob(original_name="catalog.csv", source_format=SourceFormat.TABULAR, **options)
    job.file.save("catalog.csv", ContentFile(data), save=False)
    job.save()
    return job


def test_export_imports_back_unchanged(exported_csv):
    job = make_job(exported_csv)
    jobs.run_job(job, commit=False)
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED, job.message
    assert job.invalid_count == 0, list(
        job.findings.filter(kind="error").values_list("row", "column", "message")
    )
    assert (job.created_count, job.updated_count) == (0, 0), list(
        job.findings.values_list("article_number", "changes")
    )
    assert job.unchanged_count == job.rows_total > 0


def test_one_edited_name_is_one_draft_change_by_the_user(exported_csv, django_user_model):
    user = django_user_model.objects.create_user("pm")
    product = Product.objects.filter(live=True).order_by("pk").first()
    old_name = product.name["en"]
    text = exported_csv.decode("utf-8-sig")
    assert old_name in text
    edited = text.replace(old_name, "Renamed valve", 1).encode("utf-8-sig")
    job = make_job(edited, user=user)

    jobs.run_job(job, commit=False)
    job.refresh_from_db()
    assert job.updated_count == 1, job.message
    change = job.findings.get(kind=ImportFinding.Kind.UPDATE)
    assert any(new == "Renamed valve" for _label, _old, new in change.changes)

    jobs.run_job(job, commit=True)
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED, job.message
    product.refresh_from_db()
    assert product.name["en"] == old_name  # the published row is unchanged: a draft revision
    revision = product.latest_revision
    assert revision.user == user
    assert revision.as_object().name["en"] == "Renamed valve"


def test_import_bmecat_checks_an_export_of_the_catalog(settings, tmp_path):
    """The command with the real BMEcat reader: every product of the export is read and planned."""
    settings.PIM_EXPORT_ROOT = tmp_path / "exports"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    build_catalog()
    run = export(make_channel(ExportFormat.BMECAT_2005, code="bme"))
    out = io.StringIO()
    try:
        call_command("import_bmecat", str(run.file_path()), stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        pytest.fail(f"{exc}\n{out.getvalue()}")
    job = ImportJob.objects.get()
    assert job.source_format == SourceFormat.BMECAT
    assert job.status == ImportStatus.CHECKED, job.message
    assert job.rows_done == run.product_count
    assert job.created_count == 0  # every product exists already
    assert "Nothing was written (dry run)" in out.getvalue()

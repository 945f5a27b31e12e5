"""import_products and import_bmecat: dry-run summary, --commit, exit codes, progress on stderr
(reader, planner and committer are fakes for the tabular command: tests/imports/job_fakes.py)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pim.catalog.models import Product
from pim.imports import bmecat
from pim.imports.models import ImportJob, ImportMapping, ImportStatus
from tests.factories import make_product, make_valve_family
from tests.imports import job_fakes

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    return make_valve_family()


@pytest.fixture
def fakes(monkeypatch, family):
    return job_fakes.install(monkeypatch, family)


def csv_file(tmp_path, rows, name="products.csv"):
    path = tmp_path / name
    path.write_bytes(job_fakes.csv_bytes(rows))
    return str(path)


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_dry_run_prints_the_summary_and_writes_nothing(fakes, family, tmp_path):
    make_product(family, article_number="KH-1", name={"en": "Ball valve"})
    path = csv_file(tmp_path, [["KH-1", "Ball valve DN15", ""], ["KH-2", "New", "warn"]])

    out, err = run("import_products", path)

    assert "Checked: 1 new, 1 changed, 0 unchanged, 0 with errors, 1 warnings." in out
    assert "KH-1 (changed)" in out
    assert "Name (en): Ball valve → Ball valve DN15" in out
    assert "row 3, column note: Warning: Column ignored." in out
    assert "Run again with --commit to import." in out
    assert "2/2" in err  # the progress bar
    assert not Product.objects.filter(article_number="KH-2").exists()
    assert ImportJob.objects.get().status == ImportStatus.CHECKED


def test_errors_exit_with_1_and_name_row_and_column(fakes, tmp_path):
    path = csv_file(tmp_path, [["KH-1", "One", ""], ["KH-2", "Two", "bad"]])
    with pytest.raises(CommandError) as raised:
        run("import_products", path, "--commit")
    assert raised.value.returncode == 1
    assert "1 row(s) have errors, so nothing was imported" in str(raised.value)
    assert not Product.objects.exists()

    with pytest.raises(CommandError) as raised:
        run("import_products", path)  # the dry run says the same
    assert raised.value.returncode == 1


def test_commit_with_skip_invalid_imports_the_rest_and_names_the_error_file(
    fakes, tmp_path, django_user_model
):
    user = django_user_model.objects.create_user("pm")
    path = csv_file(tmp_path, [["KH-1", "One", ""], ["KH-2", "Two", "bad"]])

    out, _err = run("import_products", path, "--commit", "--skip-invalid", "--user", "pm", verbosity=0)

    assert "Imported: 1 new" in out
    assert "row 3, column note: Error: Unknown unit “bra”: write bar or psi. [bad]" in out
    assert "Rejected rows:" in out and "products-errors.csv" in out
    assert fakes.applied == [("KH-1", user, False)]


def test_publish_and_unknown_user_or_mapping(fakes, tmp_path):
    path = csv_file(tmp_path, [["KH-1", "One", ""]])
    with pytest.raises(CommandError, match="No user is called “nobody”"):
        run("import_products", path, "--user", "nobody")
    with pytest.raises(CommandError, match="No mapping is called “X”"):
        run("import_products", path, "--mapping", "X")
    ImportMapping.objects.create(name="bme", source_format="bmecat")
    with pytest.raises(CommandError, match="is for BMEcat files"):
        run("import_products", path, "--mapping", "bme")
    run("import_products", path, "--commit", "--publish", verbosity=0)
    assert Product.objects.get(article_number="KH-1").live is True


def test_import_products_refuses_bmecat_and_missing_files(tmp_path):
    xml = tmp_path / "catalog.xml"
    xml.write_text("<?xml version='1.0'?><BMECAT/>")
    with pytest.raises(CommandError, match="use import_bmecat"):
        run("import_products", str(xml))
    with pytest.raises(CommandError, match="is not a file"):
        run("import_products", str(tmp_path / "missing.csv"))


def test_import_bmecat_uses_the_suppliers_mapping_and_reports(monkeypatch, tmp_path, family):
    """The BMEcat reader is a fake here too: the command's part is the job, the mapping chosen by
    supplier, the summary with lines and the exit code."""
    seen = {}

    class Source(job_fakes.FakeSource):
        def __init__(self, path, *, mapping=None):
            seen["mapping"] = mapping
            with open(path, "rb") as handle:
                super().__init__(handle, name="catalog.xml")
            self.categories = []

    job_fakes.install(monkeypatch, family)
    monkeypatch.setattr(bmecat, "open_bmecat", Source)
    monkeypatch.setattr(
        bmecat, "apply_categories", lambda source: seen.setdefault("categories", True), raising=False
    )
    mapping = ImportMapping.objects.create(name="Acme BMEcat", supplier="ACME", source_format="bmecat")
    path = csv_file(tmp_path, [["A-1", "Valve", ""]], name="catalog.xml")

    out, _err = run("import_bmecat", path, "--supplier", "acme", "--commit", verbosity=0)

    assert seen == {"mapping": mapping, "categories": True}
    assert "Imported: 1 new" in out
    job = ImportJob.objects.get()
    assert (job.source_format, job.mapping) == ("bmecat", mapping)
    assert Product.objects.get(article_number="A-1").live is False


@pytest.mark.parametrize("command", ["import_products", "import_bmecat"])
def test_help_prints(command, capsys):
    with pytest.raises(SystemExit):
        call_command(command, "--help")
    assert "--commit" in capsys.readouterr().out

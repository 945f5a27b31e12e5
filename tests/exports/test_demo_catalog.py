"""The demo catalog (real ETIM 6.0 classes) exported through the demo channels: every BMEcat
file validates against its official schema in every language combination, and the tabular
and JSON files read back."""

import csv
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from pim.catalog.models import Product
from pim.exports.demo import create_demo_channels
from pim.exports.models import Channel, RunStatus
from pim.exports.runs import run_export

from .conftest import assert_valid

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SCHEMA_OF = {"demo-bmecat2005": "2005", "demo-etim": "etim", "demo-bmecat12": "1.2-new"}


def test_demo_catalog_exports_in_every_format_and_language(export_root):
    call_command("import_etim", "--demo-subset", "--no-progress", verbosity=0)
    call_command("demo_catalog", "--products", "40", verbosity=0)
    channels = create_demo_channels()
    assert {c.code for c in channels} == {
        "demo-bmecat2005",
        "demo-etim",
        "demo-bmecat12",
        "demo-csv",
        "demo-xlsx",
        "demo-jsonl",
        "demo-price-list",
    }
    exportable = set(
        Product.objects.publicly_visible()
        .filter(lifecycle__in=["active", "phase_out"])
        .values_list("article_number", flat=True)
    )
    assert len(exportable) >= 20

    for code, schema in SCHEMA_OF.items():
        for languages in ("en", "de", "en,de", "de,en"):
            Channel.objects.filter(code=code).update(languages=languages)
            channel = Channel.objects.get(code=code)
            run = run_export(channel)
            assert run.status == RunStatus.SUCCEEDED, run.error
            document = assert_valid(run.file_path(), schema)
            exported = set(
                document.xpath("//*[local-name()='SUPPLIER_PID' or local-name()='SUPPLIER_AID']/text()")
            )
            skipped = set(run.issues.values_list("article_number", flat=True))
            # every exportable product is either in the file or listed with a reason
            assert exported | skipped == exportable, (code, languages)
            assert not exported & skipped

    csv_run = run_export(Channel.objects.get(code="demo-csv"))
    with open(csv_run.file_path(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert {row["article_number"] for row in rows} == exportable
    xlsx_run = run_export(Channel.objects.get(code="demo-xlsx"))
    sheet = load_workbook(xlsx_run.file_path(), read_only=True).worksheets[0]
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert set(numbers) == exportable and len(numbers) == len(exportable)
    jsonl_run = run_export(Channel.objects.get(code="demo-jsonl"))
    lines = [json.loads(line) for line in jsonl_run.file_path().read_text().splitlines()]
    assert {line["article_number"] for line in lines} == exportable
    assert all(line["family"]["etim_class"] for line in lines)


@pytest.mark.django_db
def test_demo_catalog_signal_creates_one_demo_channel_per_format():
    from io import StringIO

    from pim.catalog.models import Product
    from pim.catalog.signals import demo_catalog_built
    from pim.exports.models import Channel

    out = StringIO()
    demo_catalog_built.send(
        sender=None, products=Product.objects.none(), seed=1, verbosity=1, stdout=out, stderr=StringIO()
    )
    formats = set(Channel.objects.filter(code__startswith="demo-").values_list("format", flat=True))
    assert formats == {"bmecat2005", "bmecat2005-etim", "bmecat12", "csv", "xlsx", "jsonl"}
    assert "Demo channels:" in out.getvalue()

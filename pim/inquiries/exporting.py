"""One inquiry as a CSV or XLSX file for the ERP: a header block (reference, date, customer),
an empty row, then one row per line.

Everything in an inquiry was typed by a visitor, so no text may reach a spreadsheet as a
formula: every text cell follows the project's one rule (:mod:`pim.exports.spreadsheets`: a
leading apostrophe in CSV, a string cell with Excel's quote prefix in XLSX). Quantities stay
numbers.
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from pim.exports.spreadsheets import csv_text, xlsx_text

from .models import Inquiry

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def inquiry_rows(inquiry: Inquiry) -> list[list]:
    """The rows of the file as typed values (text, Decimal quantities, dates); headings in the
    current language, the inquiry's content exactly as the visitor sent it."""
    rows = [
        [_("Inquiry"), inquiry.reference],
        [_("Received"), timezone.localtime(inquiry.created_at)],
        [_("Status"), inquiry.get_status_display()],
        [_("Company"), inquiry.company],
        [_("Name"), inquiry.name],
        [_("E-mail"), inquiry.email],
        [_("Phone"), inquiry.phone],
        # The code for the ERP, the name for people.
        [_("Country"), inquiry.country.code, inquiry.country.name],
        [_("Requested delivery date"), inquiry.requested_delivery_date],
        [_("Language"), inquiry.language],
        [_("Message"), inquiry.message],
        [],
        [
            _("Position"),
            _("Article number"),
            _("Name"),
            pgettext("order", "Quantity"),
            _("Unit"),
            _("Note"),
            _("Requirement (custom product)"),
        ],
    ]
    for line in inquiry.lines.order_by("position"):
        rows.append(
            [
                line.position,
                line.article_number,
                line.product_name,
                plain_quantity(line.quantity),
                line.order_unit,
                line.note,
                line.requirement,
            ]
        )
    return rows


def plain_quantity(quantity: Decimal) -> Decimal:
    """A quantity without trailing zeros: 50.000 -> 50, 2.500 -> 2.5 (``normalize()`` alone
    would turn 50 into 5E+1)."""
    return quantity.quantize(Decimal(1)) if quantity == quantity.to_integral() else quantity.normalize()


def filename(inquiry: Inquiry, extension: str) -> str:
    """The download name: the reference, which the ERP and the customer both know."""
    return f"{inquiry.reference}.{extension}"


# --- CSV -------------------------------------------------------------------------------------


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()  # ISO dates: German and English Excel both read them as dates
    if isinstance(value, Decimal):
        # Decimal comma, no thousands separator: German Excel reads "2,5" as a number (and
        # "2.5" as a date or text), and the semicolon delimiter keeps the comma unambiguous.
        return format(value, "f").replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return csv_text(str(value))


def inquiry_csv(inquiry: Inquiry) -> bytes:
    """The inquiry as CSV in the form German Excel opens correctly with a double click:
    UTF-8 with a byte order mark (without it Excel assumes the ANSI code page and garbles
    umlauts and unit symbols), semicolons between cells (the list separator of German
    Windows; with commas everything lands in column A), CRLF line ends, quotes as needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in inquiry_rows(inquiry):
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- XLSX ------------------------------------------------------------------------------------


def _xlsx_cell(sheet, value):
    if value is None:
        return None
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=timezone.localtime(value).replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, int | Decimal):
        return value
    return xlsx_text(sheet, str(value))


def inquiry_xlsx(inquiry: Inquiry) -> bytes:
    """The inquiry as an Excel workbook with one sheet named after the reference."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=inquiry.reference[:31])
    for row in inquiry_rows(inquiry):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()

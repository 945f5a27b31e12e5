"""“Add many”: a pasted list or a small CSV file of article numbers and quantities.

One line per product: ``4711-ABC.12; 50``, ``4711-ABC.12,50``, a row copied from Excel
(``4711-ABC.12<TAB>50``) or just the article number (then the minimum order quantity); an
optional third column is the line's note. Numbers are resolved loosely, like the search box
(:func:`pim.search.lookup.find_product`: article number, GTIN, manufacturer part number).

Nothing is dropped silently: every line that could not be added is listed back with its line
number, what was typed and why; the lines that could be added are added. A list over the size
limits is refused as a whole, before anything is added.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pim.catalog.identifiers import normalize_article_number
from pim.catalog.models import Product
from pim.search.lookup import find_product

from .selection import MAX_LINES, Selection, SelectionError, SelectionLine, clean_note, parse_quantity

# A pasted bill of materials of MAX_LINES lines fits easily; more is not a selection.
MAX_TEXT_CHARS = 20_000
MAX_UPLOAD_BYTES = 100 * 1024
# What a line may hold before it is certainly not an article number and a quantity.
MAX_FIELD_CHARS = 200
_SEPARATORS = ("\t", ";", ",")
# "KH-1 50": a number at the end, after a space (tried only when the whole line names nothing).
_TRAILING_QUANTITY = re.compile(r"^(?P<article>.*\S)\s+(?P<quantity>\d+(?:[.,]\d+)?)$")


class BulkError(ValueError):
    """The list as a whole is refused (too long, not a text file); nothing was added."""


@dataclass
class BulkRow:
    """One line of the list as typed: its number (1-based, as an editor counts), the text,
    and the article, quantity and note fields found in it."""

    line_number: int
    text: str
    article: str
    quantity: str = ""
    note: str = ""


@dataclass
class BulkProblem:
    """A line that was not added (or added with a remark): where, what was typed, why."""

    line_number: int
    text: str
    message: str
    added: bool = False


@dataclass
class BulkResult:
    """What "add many" did: the lines added (or updated) and the problems, in list order."""

    added: list[SelectionLine] = field(default_factory=list)
    problems: list[BulkProblem] = field(default_factory=list)

    @property
    def rejected(self) -> list[BulkProblem]:
        """The problems of lines that were not added."""
        return [problem for problem in self.problems if not problem.added]

    def summary(self) -> str:
        """One sentence for the page: how many were added and how many were not."""
        added = ngettext(
            "%(count)s line was added to your selection.",
            "%(count)s lines were added to your selection.",
            len(self.added),
        ) % {"count": len(self.added)}
        if not self.rejected:
            return added
        rejected = ngettext(
            "%(count)s line could not be added; it is listed below.",
            "%(count)s lines could not be added; they are listed below.",
            len(self.rejected),
        ) % {"count": len(self.rejected)}
        return f"{added} {rejected}"

    def rejected_text(self) -> str:
        """The lines that were not added, as typed, to correct and send again."""
        return "\n".join(problem.text for problem in self.rejected)


def _split(line: str, separator: str | None) -> list[str]:
    if separator is None:
        return [line]
    if separator == ",":
        # "4711-ABC.12,2,5": the first comma separates, the rest may be a decimal comma.
        article, _sep, rest = line.partition(",")
        quantity, _sep, note = rest.partition(",") if rest.count(",") > 1 else (rest, "", "")
        return [article, quantity, note]
    return line.split(separator)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('""', '"').strip()
    return value


def _is_header(row: BulkRow) -> bool:
    # "Article number;Quantity": words where a number belongs; article numbers carry digits.
    return bool(row.quantity) and not any(char.isdigit() for char in row.article + row.quantity)


def _rows_from_fields(numbered_fields) -> list[BulkRow]:
    rows = []
    for line_number, text, fields in numbered_fields:
        fields = [_unquote(value) for value in fields]
        if not any(fields):
            continue
        rows.append(
            BulkRow(
                line_number=line_number,
                text=text.strip(),
                article=fields[0],
                quantity=fields[1] if len(fields) > 1 else "",
                note=" ".join(value for value in fields[2:] if value),
            )
        )
    if rows and _is_header(rows[0]):
        rows = rows[1:]
    return rows


def _check_line_count(rows) -> None:
    if len(rows) > MAX_LINES:
        raise BulkError(
            _("The list has %(count)s lines; at most %(max)s fit in a selection. Split it and add the parts.")
            % {"count": len(rows), "max": MAX_LINES}
        )


def parse_text(text: str) -> list[BulkRow]:
    """The rows of a pasted list (each line split at a tab, else ``;``, else ``,``)."""
    text = text or ""
    if len(text) > MAX_TEXT_CHARS:
        raise BulkError(
            _(
                "The list has %(length)s characters; at most %(max)s fit. Paste at most %(lines)s lines at a time."
            )
            % {"length": len(text), "max": MAX_TEXT_CHARS, "lines": MAX_LINES}
        )
    numbered = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        separator = next((sep for sep in _SEPARATORS if sep in line), None)
        numbered.append((line_number, line, _split(line, separator)))
    rows = _rows_from_fields(numbered)
    _check_line_count(rows)
    return rows


def decode_upload(data: bytes) -> str:
    """The text of an uploaded file: UTF-8 (with or without BOM), else Windows-1252 (what
    Excel writes as “CSV” on German Windows)."""
    if b"\x00" in data:
        raise BulkError(
            _("The file is not a text or CSV file. Save the list as CSV (UTF-8) and upload that.")
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_upload(upload) -> list[BulkRow]:
    """The rows of an uploaded CSV file (``;``, ``,`` or tab separated, optional header row,
    quoted fields allowed)."""
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise BulkError(
            _(
                "The file “%(name)s” has %(size)s KB; at most %(max)s KB are accepted. Upload at most %(lines)s lines."
            )
            % {
                "name": upload.name,
                "size": (upload.size + 1023) // 1024,
                "max": MAX_UPLOAD_BYTES // 1024,
                "lines": MAX_LINES,
            }
        )
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise BulkError(
            _("The file “%(name)s” is larger than %(max)s KB. Upload at most %(lines)s lines.")
            % {"name": upload.name, "max": MAX_UPLOAD_BYTES // 1024, "lines": MAX_LINES}
        )
    text = decode_upload(data)
    lines = text.splitlines()
    sample = "\n".join(lines[:20])
    # The separator the file uses most; a file of bare article numbers has none.
    counts = {sep: sample.count(sep) for sep in _SEPARATORS}
    separator = max(counts, key=counts.get) if any(counts.values()) else None
    if separator is None:
        numbered = [(number, line, [line]) for number, line in enumerate(lines, start=1)]
    else:
        try:
            parsed = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=separator, strict=True))
        except csv.Error as error:
            raise BulkError(
                _("The file “%(name)s” is not valid CSV (%(error)s). Save it again as CSV and upload that.")
                % {"name": upload.name, "error": error}
            ) from None
        if len(parsed) != len(lines):  # a quoted field spans lines: the line numbers would lie
            raise BulkError(
                _("The file “%(name)s” has fields that span several lines. Put one product on each line.")
                % {"name": upload.name}
            )
        numbered = [(number, lines[number - 1], fields) for number, fields in enumerate(parsed, start=1)]
    rows = _rows_from_fields(numbered)
    _check_line_count(rows)
    return rows


def _usable(article: str) -> bool:
    return len(article) <= MAX_FIELD_CHARS and not any(ord(char) < 32 for char in article)


def _exact_matches(rows: list[BulkRow]) -> dict[str, Product]:
    """The public products the rows name by their exact article key, in one query: most pasted
    lines are article numbers, and only the rest need the search box's slower rules."""
    keys = {normalize_article_number(row.article) for row in rows if _usable(row.article)} - {""}
    if not keys:
        return {}
    found = Product.objects.publicly_visible().filter(article_number_key__in=keys)
    return {
        product.article_number_key: product
        for product in found.only("pk", "article_number", "article_number_key")
    }


def _resolve(row: BulkRow, exact: dict[str, Product]) -> tuple[Product | None, str]:
    """The public product the row names and the quantity text; a quantity typed after a space
    ("KH-1 50") is recognized when the whole text names nothing."""
    if not _usable(row.article):
        return None, row.quantity
    product = exact.get(normalize_article_number(row.article)) or find_product(row.article)
    if product is None and not row.quantity:
        match = _TRAILING_QUANTITY.match(row.article)
        if match:
            product = find_product(match["article"])
            if product is not None:
                return product, match["quantity"]
    return product, row.quantity


def add_rows(selection: Selection, rows: list[BulkRow]) -> BulkResult:
    """Add the rows' products to ``selection``; list every row that could not be added and
    every added line whose quantity cannot be ordered as it is."""
    result = BulkResult()
    resolved = []
    exact = _exact_matches(rows)
    for row in rows:
        product, quantity_text = _resolve(row, exact)
        if product is None:
            result.problems.append(
                BulkProblem(
                    row.line_number,
                    row.text,
                    _(
                        "No product with the article number, GTIN or manufacturer part number “%(text)s” "
                        "is available. Check the number (or describe the product as a custom requirement)."
                    )
                    % {"text": row.article[:MAX_FIELD_CHARS]},
                )
            )
            continue
        try:
            quantity = parse_quantity(quantity_text) if quantity_text else None
            note = clean_note(row.note)
        except SelectionError as error:
            result.problems.append(BulkProblem(row.line_number, row.text, str(error)))
            continue
        resolved.append((row, product.pk, quantity, note))

    products = Product.objects.publicly_visible().in_bulk([pk for _row, pk, _q, _n in resolved])
    already = set(selection.keys())
    new_keys = {products[pk].article_number_key for _row, pk, _q, _n in resolved if pk in products} - already
    if len(selection) + len(new_keys) > MAX_LINES:
        raise BulkError(
            _(
                "Your selection has %(count)s lines and the list adds %(new)s; at most %(max)s fit. "
                "Remove lines or add fewer."
            )
            % {"count": len(selection), "new": len(new_keys), "max": MAX_LINES}
        )
    seen: dict[str, int] = {}
    for row, pk, quantity, note in resolved:
        product = products.get(pk)
        if product is None:  # withdrawn between the look-up and now
            continue
        line = selection.add_product(product, quantity, note or None)
        key = product.article_number_key
        if key in seen:
            result.problems.append(
                BulkProblem(
                    row.line_number,
                    row.text,
                    _("%(number)s is also in line %(line)s; the quantity of this line is kept.")
                    % {"number": product.article_number, "line": seen[key]},
                    added=True,
                )
            )
            result.added = [added for added in result.added if added.id != line.id]
        seen[key] = row.line_number
        result.added.append(line)
        problem = line.quantity_problem()
        if problem:
            result.problems.append(BulkProblem(row.line_number, row.text, problem, added=True))
    return result


def add_many(selection: Selection, *, text: str = "", upload=None) -> BulkResult:
    """Parse the pasted ``text`` and/or the uploaded file and add what they name; raises
    :class:`BulkError` (nothing added) when the list is over a limit or unreadable."""
    rows = []
    if upload is not None:
        rows += parse_upload(upload)
    if text and text.strip():
        rows += parse_text(text)
    _check_line_count(rows)
    if not rows:
        raise BulkError(
            _(
                "The list is empty. Paste one article number per line, optionally with a quantity: 4711-ABC.12; 50"
            )
        )
    return add_rows(selection, rows)

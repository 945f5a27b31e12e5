"""“Add many” (pim.inquiries.bulk and /selection/add-many/): pasted lists in every separator,
small CSV files in the encodings Excel writes, loose numbers, unknown and non-public numbers
listed back with their line, and the limits."""

import re
from decimal import Decimal

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from pim.catalog.models import Lifecycle
from pim.inquiries.bulk import MAX_TEXT_CHARS, MAX_UPLOAD_BYTES, BulkError, add_many, parse_text
from pim.inquiries.selection import MAX_LINES, Selection
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages in English, whatever language an earlier test's request left active."""
    with translation.override("en"):
        yield


SITE = "http://testserver"


@pytest.fixture
def catalog(database_search):
    family = make_valve_family()
    return {
        "a": make_product(family, article_number="4711-ABC.12", gtin="4006381333931"),
        "b": make_product(
            family, article_number="KH-2", min_order_quantity=Decimal(10), order_quantity_step=Decimal(5)
        ),
        # Hose by the metre: from 0.5 m in steps of 0.5 m.
        "c": make_product(
            family,
            article_number="KH-3",
            order_unit="MTR",
            min_order_quantity=Decimal("0.5"),
            order_quantity_step=Decimal("0.5"),
        ),
        "d": make_product(family, article_number="KH-4"),
        "draft": make_product(family, article_number="KH-DRAFT", lifecycle=Lifecycle.DRAFT),
        "hidden": make_product(family, article_number="KH-HIDDEN", live=False),
    }


def quantities(selection):
    return {line.product.article_number: line.quantity for line in selection.lines()}


def test_every_separator_and_a_bare_number():
    rows = parse_text("4711-ABC.12; 50\nKH-2,15\nKH-3\t2,5\tfor the test rig\n\nKH-4\n")
    assert [(row.line_number, row.article, row.quantity, row.note) for row in rows] == [
        (1, "4711-ABC.12", "50", ""),
        (2, "KH-2", "15", ""),
        (3, "KH-3", "2,5", "for the test rig"),
        (5, "KH-4", "", ""),
    ]
    # A comma list keeps a decimal comma in the quantity; a header row is skipped.
    assert [(row.article, row.quantity) for row in parse_text("Article number;Quantity\nKH-3,2,5")] == [
        ("KH-3", "2,5")
    ]


def test_valid_lines_are_added_and_the_others_listed(catalog):
    selection = Selection(SessionStore())
    result = add_many(
        selection,
        text="4711-abc 12; 50\nKH-2\t15\nNOPE-999; 3\nKH-DRAFT; 1\nkh3,abc\nKH-HIDDEN\n4006381333931;2\nKH-4 7",
    )
    # Loose spelling and the GTIN find 4711-ABC.12; the GTIN's quantity (line 7) wins.
    assert quantities(selection) == {"4711-ABC.12": Decimal(2), "KH-2": Decimal(15), "KH-4": Decimal(7)}
    assert [(problem.line_number, problem.added) for problem in result.problems] == [
        (3, False),
        (4, False),
        (5, False),
        (6, False),
        (7, True),
    ]
    unknown, draft, bad_quantity, hidden, duplicate = result.problems
    assert unknown.text == "NOPE-999; 3" and "“NOPE-999”" in unknown.message
    # A draft or unpublished number reads exactly like one that does not exist.
    assert draft.message == unknown.message.replace("NOPE-999", "KH-DRAFT")
    assert hidden.message == unknown.message.replace("NOPE-999", "KH-HIDDEN")
    assert "“abc” is not a quantity" in bad_quantity.message
    assert "4711-ABC.12 is also in line 1" in duplicate.message
    assert result.summary() == (
        "3 lines were added to your selection. 4 lines could not be added; they are listed below."
    )
    assert result.rejected_text() == "NOPE-999; 3\nKH-DRAFT; 1\nkh3,abc\nKH-HIDDEN"


def test_a_bare_number_gets_the_minimum_and_steps_are_checked(catalog):
    selection = Selection(SessionStore())
    result = add_many(selection, text="KH-2\nKH-3")
    assert quantities(selection) == {"KH-2": Decimal(10), "KH-3": Decimal("0.5")}
    assert result.problems == []
    result = add_many(selection, text="KH-2; 12")
    [problem] = result.problems
    assert problem.added and "Enter 10 or 15 piece." in problem.message
    assert quantities(selection)["KH-2"] == Decimal(12)  # added, and flagged on the page


def test_limits_refuse_the_whole_list(catalog):
    selection = Selection(SessionStore())
    with pytest.raises(BulkError, match=f"at most {MAX_TEXT_CHARS}"):
        add_many(selection, text="KH-3; 1\n" * (MAX_TEXT_CHARS // 8 + 1))
    with pytest.raises(BulkError, match=f"at most {MAX_LINES} fit"):
        add_many(selection, text="\n".join(f"X-{number}" for number in range(MAX_LINES + 1)))
    with pytest.raises(BulkError, match="The list is empty"):
        add_many(selection, text=" \n\n")
    assert len(selection) == 0
    for number in range(MAX_LINES - 1):
        selection.add_requirement(f"Part {number}", "1")
    with pytest.raises(BulkError, match="adds 2; at most 100 fit"):
        add_many(selection, text="KH-3\nKH-4")
    assert len(selection) == MAX_LINES - 1


def upload(name, data: bytes):
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_csv_in_utf8_with_bom_and_a_header(catalog):
    selection = Selection(SessionStore())
    data = "\ufeffArtikelnummer;Menge;Bemerkung\n4711-ABC.12;50;Größe prüfen\nKH-3;2,5;\n".encode()
    result = add_many(selection, upload=upload("liste.csv", data))
    assert quantities(selection) == {"4711-ABC.12": Decimal(50), "KH-3": Decimal("2.5")}
    assert result.problems == []
    assert selection.lines()[0].note == "Größe prüfen"


def test_csv_in_windows_1252_with_commas_and_quotes(catalog):
    selection = Selection(SessionStore())
    data = 'article,quantity,note\r\n"4711-ABC.12","3","Maß 12 mm"\r\n"UNKNOWN-1",4,\r\n'.encode("cp1252")
    result = add_many(selection, upload=upload("list.csv", data))
    assert quantities(selection) == {"4711-ABC.12": Decimal(3)}
    assert selection.lines()[0].note == "Maß 12 mm"
    [problem] = result.problems
    assert problem.line_number == 3 and not problem.added and "UNKNOWN-1" in problem.message


def test_tab_separated_file_and_bad_files(catalog):
    selection = Selection(SessionStore())
    add_many(selection, upload=upload("excel.txt", b"KH-3\t4\nKH-4\t5\n"))
    assert quantities(selection) == {"KH-3": Decimal(4), "KH-4": Decimal(5)}
    with pytest.raises(BulkError, match="at most 100 KB"):
        add_many(selection, upload=upload("big.csv", b"KH-3;1\n" * (MAX_UPLOAD_BYTES // 7 + 1)))
    with pytest.raises(BulkError, match="not a text or CSV file"):
        add_many(selection, upload=upload("sheet.xlsx", b"PK\x03\x04\x00\x00binary"))
    with pytest.raises(BulkError, match="span several lines"):
        add_many(selection, upload=upload("broken.csv", b'KH-3;"1\n2"\nKH-4;1\n'))
    assert quantities(selection) == {"KH-3": Decimal(4), "KH-4": Decimal(5)}


def test_the_page_reports_and_keeps_the_rejected_lines_to_correct(client, catalog):
    response = client.post(
        "/selection/add-many/",
        {"articles": "4711-ABC.12; 5\nKH-3; 2\nNOPE-1; 4\nKH-4; 1\nKH-DRAFT; 1"},
        headers={"origin": SITE},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "3 lines were added to your selection. 2 lines could not be added" in page
    assert "Line 3" in page and "<code>NOPE-1; 4</code>" in page and "Line 5" in page
    assert re.search(r'name="articles"[^>]*>NOPE-1; 4\nKH-DRAFT; 1</textarea>', page)
    assert re.search(r'data-visitor-list="selection">[^<]*<span class="count" data-count>3</span>', page)

    response = client.post(
        "/selection/add-many/", {"articles": "x" * (MAX_TEXT_CHARS + 1)}, headers={"origin": SITE}
    )
    assert response.status_code == 400
    assert f"at most {MAX_TEXT_CHARS} fit" in response.content.decode()
    assert Selection(client.session).count() == 3


def test_the_page_refuses_other_sites(client, catalog):
    response = client.post(
        "/selection/add-many/", {"articles": "KH-3"}, headers={"origin": "https://evil.example"}
    )
    assert response.status_code == 403


def test_a_long_list_of_article_numbers_costs_a_fixed_number_of_queries(catalog):
    """Exact article numbers are looked up together; only lines they do not name (a GTIN, a
    loose form the search must find) take the search box's per-line rules."""
    family = make_valve_family("fittings")
    for number in range(60):
        make_product(family, article_number=f"FT-{number:03d}")

    def queries_for(count):
        selection = Selection(SessionStore())
        text = "\n".join(f"FT-{number:03d}; 2" for number in range(count))
        with CaptureQueriesContext(connection) as captured:
            result = add_many(selection, text=text)
        assert len(result.added) == count and not result.problems
        return len(captured)

    assert queries_for(60) == queries_for(5)

"""Selection lines (pim.inquiries.selection): custom requirements, notes, stable line ids, the
order-step check and its messages, and the page that edits them."""

import re
from decimal import Decimal

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.utils import translation

from pim.inquiries.models.inquiry import LINE_NOTE_MAX, REQUIREMENT_MAX
from pim.inquiries.selection import (
    MAX_LINES,
    SESSION_KEY,
    Selection,
    SelectionError,
    valid_quantities_near,
)
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages in English, whatever language an earlier test's request left active."""
    with translation.override("en"):
        yield


SITE = "http://testserver"


@pytest.fixture
def family():
    return make_valve_family()


@pytest.fixture
def stepped(family):
    """Sold from 10 pieces on, in steps of 5."""
    return make_product(
        family, article_number="KH-10", min_order_quantity=Decimal(10), order_quantity_step=Decimal(5)
    )


def post(client, path, data):
    return client.post(path, data, headers={"origin": SITE})


def test_valid_quantities_near():
    ten, five = Decimal(10), Decimal(5)
    assert valid_quantities_near(Decimal(10), ten, five) == []
    assert valid_quantities_near(Decimal(25), ten, five) == []
    assert valid_quantities_near(Decimal(12), ten, five) == [Decimal(10), Decimal(15)]
    assert valid_quantities_near(Decimal(4), ten, five) == [ten]
    # Fractional steps (metres of hose): 2.5, 3.0, 3.5 …
    assert valid_quantities_near(Decimal("3.2"), Decimal("2.5"), Decimal("0.5")) == [
        Decimal("3.0"),
        Decimal("3.5"),
    ]
    assert valid_quantities_near(Decimal("3.5"), Decimal("2.5"), Decimal("0.5")) == []


def test_quantity_problem_names_the_nearest_valid_quantities(stepped):
    selection = Selection(SessionStore())
    line = selection.add("KH-10")
    assert line.quantity == Decimal(10) and line.quantity_problem() is None
    selection.set_quantity("KH-10", "12")
    line = selection.lines()[0]
    assert line.valid_quantities() == [Decimal(10), Decimal(15)]
    assert line.quantity_problem() == (
        "KH-10 is ordered in steps of 5 piece from 10 piece on; 12 piece is not an orderable quantity. "
        "Enter 10 or 15 piece."
    )
    selection.set_quantity("KH-10", "3")
    assert selection.lines()[0].quantity_problem() == (
        "KH-10: the minimum order quantity is 10 piece; 3 piece is less. Enter 10 or more."
    )
    with translation.override("de"):
        selection.set_quantity("KH-10", "12,5")
        message = selection.lines()[0].quantity_problem()
        assert "12,5" in message and "Stück" in message


def test_custom_requirements_and_notes(family):
    make_product(family, article_number="KH-1")
    session = SessionStore()
    selection = Selection(session)
    selection.add("KH-1", "3", note="for line 2 of the plant")
    custom = selection.add_requirement(
        "Ball valve DN 150, PN 40, stainless steel", "2", "SET", "drawing 4711"
    )
    assert custom.is_custom and custom.id and custom.unit_label == "set"
    assert selection.count() == 2
    lines = selection.lines()
    assert [line.product.article_number if line.product else line.requirement for line in lines] == [
        "KH-1",
        "Ball valve DN 150, PN 40, stainless steel",
    ]
    assert lines[0].note == "for line 2 of the plant" and lines[1].note == "drawing 4711"
    assert lines[0].unit_label == "piece"

    # The ids are stable across reads and address lines for editing and removal.
    assert [line.id for line in selection.lines()] == [line.id for line in lines]
    selection.update(custom.id, quantity="4", note="", requirement="Ball valve DN 150, PN 63", unit="PR")
    edited = selection.lines()[1]
    assert (edited.quantity, edited.note, edited.requirement, edited.custom_unit) == (
        Decimal(4),
        "",
        "Ball valve DN 150, PN 63",
        "PR",
    )
    assert selection.remove(custom.id) is True
    assert selection.count() == 1

    # A custom line alone counts without asking the database about products.
    selection.clear()
    selection.add_requirement("O-ring 12x2 FKM", "100")
    assert selection.count() == 1


def test_refused_changes_change_nothing(family):
    make_product(family, article_number="KH-1")
    selection = Selection(SessionStore())
    line = selection.add("KH-1", "5")
    for kwargs, message in (
        ({"quantity": "0"}, "greater than 0"),
        ({"quantity": "7", "note": "x" * (LINE_NOTE_MAX + 1)}, f"at most {LINE_NOTE_MAX}"),
    ):
        with pytest.raises(SelectionError, match=message):
            selection.update(line.id, **kwargs)
    assert selection.lines()[0].quantity == Decimal(5) and selection.lines()[0].note == ""
    with pytest.raises(SelectionError, match="Describe the product"):
        selection.add_requirement("   ", "1")
    with pytest.raises(SelectionError, match=f"at most {REQUIREMENT_MAX}"):
        selection.add_requirement("x" * (REQUIREMENT_MAX + 1), "1")
    with pytest.raises(SelectionError, match="Choose the unit"):
        selection.add_requirement("Hose", "1", "FTX")
    with pytest.raises(SelectionError, match="not in your selection"):
        selection.update("nope", quantity="1")
    assert selection.count() == 1


def test_room_is_limited_for_custom_lines_too():
    selection = Selection(SessionStore())
    for number in range(MAX_LINES):
        selection.add_requirement(f"Part {number}", "1")
    with pytest.raises(SelectionError, match=f"at most {MAX_LINES} lines"):
        selection.add_requirement("One more", "1")


def test_sessions_from_before_line_ids_still_read(family):
    make_product(family, article_number="KH-1")
    session = SessionStore()
    session[SESSION_KEY] = [["kh1", "3"]]  # the format of issue 11
    selection = Selection(session)
    [line] = selection.lines()
    assert line.product.article_number == "KH-1" and line.quantity == Decimal(3) and line.id
    selection.update(line.id, note="kept")
    assert selection.lines()[0].note == "kept"


def test_withdrawn_products_are_named(family):
    product = make_product(family, article_number="KH-1")
    make_product(family, article_number="KH-2")
    selection = Selection(SessionStore())
    selection.add("KH-1")
    selection.add("KH-2")
    product.live = False
    product.save()
    assert selection.withdrawn() == ["KH-1"]
    assert [line.product.article_number for line in selection.lines()] == ["KH-2"]
    assert selection.count() == 1


# --- the page -----------------------------------------------------------------------------------------
def test_page_flags_quantities_that_cannot_be_ordered(client, stepped):
    post(client, "/selection/add/", {"article": "KH-10", "quantity": "12"})
    page = client.get("/selection/").content.decode()
    assert "Order unit: piece" in page and "from 10, in steps of 5" in page
    assert re.search(r'<tr data-product="KH-10"[^>]*class="has-problem"', page)
    assert "Enter 10 or 15 piece." in page
    assert "Some quantities cannot be ordered as they are" in page
    line_id = re.search(r'name="line" value="([^"]+)"', page).group(1)
    response = post(client, "/selection/update/", {"line": line_id, "quantity": "15", "note": "spare"})
    assert response.status_code == 302
    page = client.get("/selection/").content.decode()
    assert "Enter 10 or 15" not in page and 'value="spare"' in page


def test_page_adds_edits_and_removes_a_custom_requirement(client):
    response = post(
        client,
        "/selection/add-requirement/",
        {
            "requirement": "Hydraulic hose 2SN DN 12, 3 m, both ends DKOL M22x1.5",
            "quantity": "20",
            "unit": "C62",
        },
    )
    assert response.status_code == 302
    page = client.get("/selection/").content.decode()
    assert "Hydraulic hose 2SN DN 12" in page and "Custom requirement" in page
    assert re.search(r'data-visitor-list="selection">[^<]*<span class="count" data-count>1</span>', page)
    line_id = re.search(r'<tr data-line="([^"]+)" class="selection-table__custom"', page).group(1)
    post(client, "/selection/update/", {"line": line_id, "quantity": "25", "unit": "MTR", "note": "urgent"})
    line = Selection(client.session).lines()[0]
    assert (line.quantity, line.custom_unit, line.note) == (Decimal(25), "MTR", "urgent")
    post(client, "/selection/remove/", {"line": line_id})
    assert Selection(client.session).count() == 0


def test_refused_requirement_keeps_the_text_with_a_message(client):
    response = post(
        client, "/selection/add-requirement/", {"requirement": "Special valve", "quantity": "zero"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "“zero” is not a quantity" in page and ">Special valve</textarea>" in page
    assert 'aria-invalid="true"' in page
    assert Selection(client.session).count() == 0

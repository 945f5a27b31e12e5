"""The planner: a file exported from the catalog and imported unchanged changes nothing, edited
cells give exactly their changes in display units, and every kind of error is reported at
its row and column with what is wrong."""

# The fixtures of the export tests (a small catalog, its trade data, the export folder) are imported
# by name and taken as arguments.
# ruff: noqa: F811

import csv

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pim.catalog.models import Attribute, AttributeType, Family, FamilyAttribute, Product
from pim.exports.demo import create_demo_channels
from pim.exports.models import Channel, ExportFormat
from pim.imports.models import ImportMapping
from pim.imports.planning import CREATE, INVALID, UNCHANGED, UPDATE, Planner
from pim.imports.records import ERROR, WARNING, IncomingProduct, Location, Problem, Raw
from pim.imports.tabular import open_tabular
from tests.exports.conftest import catalog, export_root, immediate_tasks, make_channel  # noqa: F401
from tests.exports.test_tabular import export
from tests.exports.test_tabular_trade import traded  # noqa: F401
from tests.factories import quantity

from .planning_helpers import edit_ten_cells, incoming_rows, read_csv_rows, read_xlsx_rows, row_of

pytestmark = pytest.mark.django_db


def exported_rows(fmt=ExportFormat.CSV) -> list[dict]:
    run = export(make_channel(fmt, code=f"import-{fmt}"))
    return read_csv_rows(run.file_path()) if fmt == ExportFormat.CSV else read_xlsx_rows(run.file_path())


def plan(rows, planner=None, **options):
    return (planner or Planner()).plan_batch(incoming_rows(rows, **options))


def errors(change):
    return [
        (p.location.row, p.location.column, p.value, p.message)
        for p in change.problems
        if p.severity == ERROR
    ]


# --- round trip ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [ExportFormat.CSV, ExportFormat.XLSX])
def test_an_exported_file_imported_unchanged_changes_nothing(traded, export_root, fmt):
    rows = exported_rows(fmt)
    changes = plan(rows, csv_cells=fmt == ExportFormat.CSV)
    assert [c.article_number for c in changes] == [r["article_number"] for r in rows]
    assert {c.article_number: (c.action, c.changes, c.problems) for c in changes} == {
        r["article_number"]: (UNCHANGED, [], []) for r in rows
    }
    # the variant's file row carries the series' values, texts and trade data
    variant = row_of(rows, "KH-SER-15")
    assert variant["approvals"] == "atex"


@pytest.mark.parametrize("fmt", [ExportFormat.CSV, ExportFormat.XLSX])
def test_the_files_read_by_the_imports_own_reader_change_nothing(traded, export_root, fmt):
    path = export(make_channel(fmt, code=f"reader-{fmt}")).file_path()
    with open(path, "rb") as handle:
        source = open_tabular(handle, name=path.name)
        incoming = list(source)
    assert source.problems == []
    changes = Planner().plan_batch(incoming)
    assert len(changes) == 5
    assert [(c.action, c.changes, c.problems) for c in changes] == [(UNCHANGED, [], [])] * 5


@pytest.mark.slow
def test_the_demo_catalog_exported_and_imported_unchanged_changes_nothing(export_root):
    call_command("import_etim", "--demo-subset", "--no-progress", verbosity=0)
    call_command("demo_catalog", "--products", "40", verbosity=0)
    create_demo_channels()
    for code, read, csv_cells in (("demo-csv", read_csv_rows, True), ("demo-xlsx", read_xlsx_rows, False)):
        rows = read(export(Channel.objects.get(code=code)).file_path())
        assert len(rows) >= 20
        changes = plan(rows, csv_cells=csv_cells)
        changed = [(c.article_number, c.changes, c.problems) for c in changes if c.action != UNCHANGED]
        assert changed == [], code


def test_ten_edited_cells_give_exactly_those_ten_changes_in_display_units(traded, export_root):
    rows = exported_rows()
    edit_ten_cells(rows)

    changes = {c.article_number: c for c in plan(rows)}

    assert {number: c.action for number, c in changes.items()} == {
        "KH-100": UPDATE,
        "KH-200": UPDATE,
        "KH-300": UPDATE,
        traded.products["long_number"].article_number: UNCHANGED,
        "KH-SER-15": UNCHANGED,
    }
    assert sorted(changes["KH-100"].changes) == sorted(
        [
            ("Max. operating pressure", "16\xa0bar", "20.68\xa0bar"),
            ("Medium temperature", "-10 … 120\xa0°C", "-10 … 130\xa0°C"),
            ("Approvals", "FDA, DVGW", "FDA"),
            ("Name (de)", "Kugelhahn DN15 Messing", "Kugelhahn DN15 Messing vernickelt"),
            ("Net weight", "250 g", "300 g"),
        ]
    )
    assert sorted(changes["KH-200"].changes) == sorted(
        [
            ("Body material", "Stainless steel 1.4401", "Brass"),
            ("Food grade", "No", "Yes"),
            ("Net list price (EUR)", "20", "22.5"),
        ]
    )
    assert sorted(changes["KH-300"].changes) == sorted(
        [
            ("Name (en)", "Ball valve, English only", "Ball valve DN20"),
            ("Gross list price (EUR)", "", "19.99"),
        ]
    )
    assert sum(len(c.changes) for c in changes.values()) == 10
    patch = changes["KH-100"].patch
    assert set(patch.values) == {"max_pressure", "temperature_range", "approvals"}
    assert patch.values["max_pressure"][0].number == pytest.approx(300 * 6894.757293168, rel=1e-9)
    assert patch.localized["name"] == {
        "en": "Ball valve DN15 & <brass>",
        "de": "Kugelhahn DN15 Messing vernickelt",
    }


def test_a_batch_is_planned_with_a_fixed_number_of_queries(traded, export_root):
    rows = exported_rows()
    assert len(rows) == 5
    counts = []
    for batch in (rows[:2], rows[:4]):  # without and with more standalone products
        incoming = incoming_rows(batch)
        planner = Planner()  # the file's lookup tables are read when the planner starts
        with CaptureQueriesContext(connection) as queries:
            changes = planner.plan_batch(incoming)
        assert {c.action for c in changes} == {UNCHANGED}
        counts.append(len(queries))
    assert counts[1] == counts[0]  # per batch, not per product
    assert counts[0] <= 12


# --- errors -------------------------------------------------------------------------------------


def test_every_value_error_is_reported_at_its_row_and_column(traded, export_root):
    voltage = Attribute.objects.create(
        code="voltage", name={"en": "Voltage"}, type=AttributeType.NUMBER, quantity=quantity("voltage")
    )
    assert not FamilyAttribute.objects.filter(attribute=voltage).exists()
    rows = exported_rows()
    for row in rows:
        row["voltage [V]"] = ""
    full, psi, english = row_of(rows, "KH-100"), row_of(rows, "KH-200"), row_of(rows, "KH-300")
    full["max_pressure [bar]"] = "16 blorps"
    full["temperature_range max [°C]"] = "120 kg"
    full["body_material"] = "gold"
    full["gtin"] = "4006381333932"
    psi["max_pressure [bar]"] = "-5"
    psi["categories"] = "ball-valves|no-such-category"
    english["voltage [V]"] = "24"
    english["family"] = "no-such-family"

    changes = {c.article_number: c for c in plan(rows)}

    assert changes["KH-100"].action == INVALID
    found = {column: (row, value, message) for row, column, value, message in errors(changes["KH-100"])}
    assert set(found) == {"max_pressure [bar]", "temperature_range max [°C]", "body_material", "gtin"}
    assert all(row == 2 for row, _value, _message in found.values())
    assert found["max_pressure [bar]"][1] == "16 blorps"
    assert "Unknown unit “blorps”" in found["max_pressure [bar]"][2]
    assert "not a unit of" in found["temperature_range max [°C]"][2]
    assert "“gold” is not one of the options" in found["body_material"][2]
    assert "wrong check digit" in found["gtin"][2]

    found = {column: (row, value, message) for row, column, value, message in errors(changes["KH-200"])}
    assert set(found) == {"max_pressure [bar]", "categories"}
    assert found["max_pressure [bar]"][0] == 3
    assert "below the minimum of 0" in found["max_pressure [bar]"][2]
    assert "Unknown category “no-such-category”" in found["categories"][2]

    # an unknown family stops the row before its values are read
    assert errors(changes["KH-300"]) == [
        (
            4,
            "family",
            "no-such-family",
            "Unknown family “no-such-family”: use the code of a family in the catalog.",
        )
    ]
    english["family"] = "valves"
    change = Planner().plan_batch(incoming_rows(rows))[2]
    assert [(row, column, value) for row, column, value, _message in errors(change)] == [
        (4, "voltage [V]", "24")
    ]
    assert "not part of family valves" in errors(change)[0][3]


def test_a_duplicate_article_number_is_an_error_at_the_second_row_naming_the_first(traded, export_root):
    rows = exported_rows()
    copy = dict(row_of(rows, "KH-200"))
    copy["article_number"] = "kh 200"  # the same article: case, spaces and dashes do not count
    rows.append(copy)
    planner = Planner()
    first = plan(rows[:3], planner)
    later = planner.plan_batch(incoming_rows(rows)[3:])  # the planner remembers the whole file
    assert first[1].action == UNCHANGED
    duplicate = later[-1]
    assert duplicate.action == INVALID
    [(row, column, value, message)] = errors(duplicate)
    assert (row, column, value) == (7, "article_number", "kh 200")
    assert "already in the file (row 3)" in message


def _new(number, row=2, **parts) -> IncomingProduct:
    def raw(column, value, unit=""):
        return Raw(value, Location(row=row, column=column), unit)

    item = IncomingProduct(article_number=raw("article_number", number), location=Location(row=row))
    for name, value in parts.get("fields", {}).items():
        item.fields[name] = raw(name, value)
    for name, value in parts.get("localized", {}).items():
        item.localized[name] = {"en": raw(f"{name} (en)", value)}
    for code, value in parts.get("values", {}).items():
        item.values[code] = raw(code, value)
    return item


def test_new_products_need_a_family_and_a_name(catalog):
    changes = Planner().plan_batch(
        [
            _new("NEW-1", 2, localized={"name": "Valve"}),
            _new("NEW-2", 3, fields={"family": "valves"}),
            _new("NEW-3", 4, fields={"family": "valves"}, localized={"name": "Valve"}),
        ]
    )
    assert [c.action for c in changes] == [INVALID, INVALID, CREATE]
    [(row, column, _value, message)] = errors(changes[0])
    assert (row, column) == (2, "")
    assert "A new product needs a family" in message
    [(row, column, _value, message)] = errors(changes[1])
    assert row == 3
    assert "A new product needs a name" in message
    assert ("Name (en)", "", "Valve") in changes[2].changes

    mapping = ImportMapping.objects.create(name="Supplier", default_family=catalog.family)
    [change] = Planner(mapping=mapping).plan_batch([_new("NEW-1", 2, localized={"name": "Valve"})])
    assert change.action == CREATE
    assert change.family == catalog.family


def test_unknown_product_model_and_variant_axis_clash(catalog):
    catalog.model.axes.set([Attribute.objects.get(code="nominal_size")])
    catalog.model.save()
    changes = Planner().plan_batch(
        [
            _new("KH-SER-99", 2, fields={"product_model": "NO-SERIES"}),
            _new("KH-SER-16", 3, fields={"product_model": "KH-SERIES"}, values={"nominal_size": "15 mm"}),
            _new("KH-SER-20", 4, fields={"product_model": "KH-SERIES"}, values={"nominal_size": "20 mm"}),
            _new("KH-SER-21", 5, fields={"product_model": "KH-SERIES"}, values={"nominal_size": "2 cm"}),
        ]
    )
    [(row, column, value, message)] = errors(changes[0])
    assert (row, column, value) == (2, "product_model", "NO-SERIES")
    assert "Unknown product model “NO-SERIES”" in message
    [(row, column, value, message)] = errors(changes[1])
    assert (row, column, value) == (3, "nominal_size", "15 mm")
    assert "Variant KH-SER-15 of KH-SERIES already has these axis values" in message
    # a variant takes its series' name and family
    assert changes[2].action == CREATE
    assert changes[2].family == catalog.family
    # two rows of the file would make the same variant
    [(row, column, value, message)] = errors(changes[3])
    assert (row, column, value) == (5, "nominal_size", "2 cm")
    assert "Variant KH-SER-20 (row 4) of KH-SERIES has the same variant axis values" in message


def test_an_option_label_the_catalog_does_not_know_is_read_through_the_mapping(catalog):
    mapping = ImportMapping.objects.create(name="Supplier", options={"body_material": {"MS58": "brass"}})
    [change] = Planner(mapping=mapping).plan_batch([_new("KH-300", 2, values={"body_material": "MS58"})])
    assert change.action == UPDATE
    assert change.changes == [("Body material", "", "Brass")]


def test_trade_field_errors_name_the_field_and_the_fix(traded):
    changes = Planner().plan_batch(
        [
            _new("KH-100", 2, fields={"customs_tariff_number": "8481-80"}),
            _new("KH-200", 3, fields={"net_weight": "2 bar", "country_of_origin": "XX"}),
            _new("KH-300", 4, fields={"hazard_class": "2.1", "order_unit": "XYZ"}),
        ]
    )
    [(row, column, value, message)] = errors(changes[0])
    assert (row, column, value) == (2, "customs_tariff_number", "8481-80")
    assert "Customs tariff number: “8481-80” is not a customs tariff number: use 6 (HS), 8" in message
    found = {column: message for _row, column, _value, message in errors(changes[1])}
    assert "“bar” is not a unit of" in found["net_weight"]
    assert found["country_of_origin"].startswith("Country of origin: ")
    # the model's own cross-field rules, at the row
    found = {column: (row, message) for row, column, _value, message in errors(changes[2])}
    assert found["order_unit"] == (
        4,
        "Order unit: “XYZ” is not a UN/ECE Rec. 20 unit the catalog knows; use e.g. C62 (piece), "
        "PK (pack), SET (set), PR (pair) or a measurement unit such as MTR.",
    )
    assert found[""] == (4, "UN number: Dangerous goods need their UN number.")


def test_relations_to_articles_later_in_the_file_are_deferred(catalog):
    planner = Planner()
    first = _new("NEW-A", 2, fields={"family": "valves"}, localized={"name": "A"})
    first.relations = {"accessory": [Raw("NEW-B|KH-100|NEW-C", Location(row=2, column="accessories"))]}
    [change] = planner.plan_batch([first])
    assert change.action == CREATE
    assert change.deferred_relations == {"accessory": ["NEW-B", "NEW-C"]}
    assert [p.severity for p in change.problems] == [WARNING, WARNING]
    assert change.patch.relations == {"accessory": [(catalog.products["full"].pk, None)]}
    planner.plan_batch([_new("NEW-B", 3, fields={"family": "valves"}, localized={"name": "B"})])
    [warning] = planner.finish()
    assert warning.severity == WARNING
    assert (warning.location.row, warning.value, warning.article_number) == (2, "NEW-C", "NEW-A")


def test_hidden_relations_stay_when_the_file_does_not_name_them(catalog):
    full = catalog.products["full"]
    item = _new("KH-100", 2)
    item.relations = {
        "accessory": [Raw("", Location(row=2, column="accessories"))],
        "spare_part": [Raw("", Location(row=2, column="spare_parts"))],
    }
    [change] = Planner().plan_batch([item])
    # the accessory KH-200 is public and goes; the spare part (a draft) is not in exports and stays
    assert change.patch.relations == {
        "accessory": [],
        "spare_part": [(catalog.products["draft"].pk, None)],
    }
    assert change.changes == [("Accessory", "KH-200", "")]
    assert Product.objects.get(pk=full.pk).relations.count() == 2


def test_a_row_the_reader_found_an_error_in_is_invalid(catalog):
    item = _new("KH-100", 2)
    item.problems.append(Problem("The row has more cells than the header.", Location(row=2)))
    [change] = Planner().plan_batch([item])
    assert change.action == INVALID


def test_a_csv_file_with_german_numbers_reads_the_same(traded, export_root, tmp_path):
    run = export(make_channel(ExportFormat.CSV, code="german", number_format="locale", languages="de,en"))
    with open(run.file_path(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert row_of(rows, "KH-200")["max_pressure [bar]"].startswith("15,99")
    assert {c.action for c in plan(rows)} == {UNCHANGED}


def test_families_are_looked_up_once_per_file(catalog):
    Family.objects.create(code="other", name={"en": "Other"})
    planner = Planner()
    with CaptureQueriesContext(connection) as queries:
        planner.plan_batch([_new("NEW-1", 2, fields={"family": "other"}, localized={"name": "X"})])
    assert not any('"catalog_family"' in q["sql"] and "WHERE" not in q["sql"] for q in queries)


def test_our_bmecat_2005_file_imported_unchanged_changes_nothing(traded, export_root):
    """BMEcat states the prices of the channel's currency only and packing units without GTIN,
    weight or dimensions: the other currencies, the expired prices and the packages' other
    fields stay (the whole-list rule replaces only what the file can state)."""
    from pim.catalog.models import PackingUnit, ProductPrice
    from pim.imports.bmecat import open_bmecat

    full = Product.objects.get(article_number="KH-100")
    assert ProductPrice.objects.filter(product=full).exclude(currency="EUR").exists()
    assert PackingUnit.objects.filter(product=full).exclude(gtin="").exists()
    run = export(make_channel(ExportFormat.BMECAT_2005, code="import-bmecat"))
    source = open_bmecat(run.file_path())
    try:
        changes = Planner().plan_batch(list(source))
    finally:
        source.close()
    assert changes
    assert {c.article_number: (c.action, c.changes) for c in changes} == {
        c.article_number: (UNCHANGED, []) for c in changes
    }


def test_an_emptied_attribute_cell_clears_the_value_through_the_real_reader(traded, export_root, tmp_path):
    """The reader states a file's attribute columns once (empty cells carry no value); the
    planner still clears a value whose cell was emptied, and only that one."""
    from openpyxl import load_workbook

    path = export(make_channel(ExportFormat.XLSX, code="clear-xlsx")).file_path()
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    column = next(i for i, h in enumerate(headers, 1) if h.startswith("max_pressure"))
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "KH-100")
    sheet.cell(row, column).value = None
    edited = tmp_path / "edited.xlsx"
    workbook.save(edited)

    with open(edited, "rb") as handle:
        changes = {c.article_number: c for c in Planner().plan_batch(list(open_tabular(handle, name="e.xlsx")))}

    assert {n: c.action for n, c in changes.items() if c.action != UNCHANGED} == {"KH-100": UPDATE}
    assert changes["KH-100"].changes == [("Max. operating pressure", "16\xa0bar", "")]
    assert changes["KH-100"].patch.values == {"max_pressure": []}

"""A large workbook's rows parsed in a second process: the same products, the same errors at
the same rows, and no process left behind, however the reading ends."""

import io
import multiprocessing
import threading
from datetime import datetime

import pytest
from openpyxl import Workbook

from pim.imports import read_ahead
from pim.imports.tabular import open_tabular
from tests.factories import make_valve_family

from .test_tabular_reader import MAIN, workbook_bytes

pytestmark = pytest.mark.django_db

ROWS = 300


@pytest.fixture
def valves(db):
    return make_valve_family()


@pytest.fixture
def small_threshold(monkeypatch):
    monkeypatch.setattr(read_ahead, "MIN_ROWS", 10)


@pytest.fixture
def one_thread(monkeypatch):
    """Other tests leave threads behind in this process (live servers, progress bars);
    read ahead counts only this test's."""
    monkeypatch.setattr(read_ahead.threading, "active_count", lambda: 1)


def _workbook() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        ["article_number", "name (en)", "max_pressure [bar]", "food_grade", "manufacturer_pid", "brand"]
    )
    for index in range(ROWS):
        sheet.append(
            [
                f"KH-{index:04d}",
                f"Ball valve {index}",
                10 + index / 4,
                index % 2 == 0,
                '=A2&"-X"' if index % 7 == 0 else datetime(2026, 1, 1 + index % 28),
                None if index % 3 else "Acme",
            ]
        )
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def _read(data: bytes, name="rows.xlsx"):
    with io.BytesIO(data) as fileobj:
        source = open_tabular(fileobj, name=name)
        records = list(source)
    return source, records


def _essence(record):
    return (
        record.number,
        record.location.row,
        {name: (raw.value, raw.unit, raw.location.column) for name, raw in record.fields.items()},
        {name: (raw.value, raw.unit) for name, raw in record.values.items()},
        {name: {lang: raw.value for lang, raw in texts.items()} for name, texts in record.localized.items()},
        [problem.message for problem in record.problems],
    )


def test_a_workbook_read_in_a_second_process_gives_the_same_products(valves, one_thread, monkeypatch):
    data = _workbook()
    monkeypatch.setattr(read_ahead, "MIN_ROWS", 10**9)
    source, in_process = _read(data)
    assert read_ahead.last_reader_memory_mb is None or source.total_rows < read_ahead.MIN_ROWS

    monkeypatch.setattr(read_ahead, "MIN_ROWS", 10)
    read_ahead.last_reader_memory_mb = None
    _source, ahead = _read(data)

    assert read_ahead.last_reader_memory_mb is not None  # the rows came from the reading process
    assert len(ahead) == ROWS
    assert [_essence(r) for r in ahead] == [_essence(r) for r in in_process]
    assert multiprocessing.active_children() == []


def _damaged_sheet() -> bytes:
    rows = "".join(
        f'<x:row r="{n}"><x:c r="A{n}" t="inlineStr"><x:is><x:t>A-{n}</x:t></x:is></x:c></x:row>'
        for n in range(2, 40)
    )
    sheet = (
        f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>article_number</x:t></x:is></x:c></x:row>'
        f'{rows}<x:row r="40"><x:c r="A40" t="inlineStr"><x:is><x:t>A-40</x:broken>'
    )
    return workbook_bytes(sheet)


def test_a_damaged_workbook_breaks_at_the_same_row_either_way(valves, one_thread, monkeypatch):
    data = _damaged_sheet()
    monkeypatch.setattr(read_ahead, "MIN_ROWS", 10**9)
    in_process, records = _read(data, "damaged.xlsx")
    # The sheet records no size: the row count is an estimate from its row elements.
    monkeypatch.setattr(read_ahead, "MIN_ROWS", 10)
    read_ahead.last_reader_memory_mb = None
    real, started = read_ahead.read_ahead, []
    monkeypatch.setattr(read_ahead, "read_ahead", lambda rows: started.append(1) or real(rows))
    ahead, ahead_records = _read(data, "damaged.xlsx")
    assert started  # read by the second process

    assert [r.number for r in records] == [f"A-{n}" for n in range(2, 40)]
    assert [r.number for r in ahead_records] == [r.number for r in records]
    assert [(p.message, p.severity) for p in ahead.problems] == [
        (p.message, p.severity) for p in in_process.problems
    ]
    assert "damaged after the rows read so far" in in_process.problems[-1].message
    assert multiprocessing.active_children() == []


def test_a_reading_stopped_early_leaves_no_process(valves, small_threshold, one_thread):
    with io.BytesIO(_workbook()) as fileobj:
        source = open_tabular(fileobj, name="rows.xlsx")
        rows = iter(source)
        first = [next(rows) for _ in range(5)]
        assert multiprocessing.active_children()  # the reader runs ahead
        rows.close()  # the job stopped: an error in the catalog, a rollback
    assert [r.number for r in first] == [f"KH-{n:04d}" for n in range(5)]
    assert multiprocessing.active_children() == []


def test_not_in_a_process_with_other_threads(small_threshold):
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not read_ahead.available(1000)  # forking a process with threads is not safe
    finally:
        stop.set()
        thread.join()
    assert not read_ahead.available(5)

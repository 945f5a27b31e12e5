"""The URL vocabulary of search state (pim/search/params.py): canonical round trips and errors
that name the parameter."""

from urllib.parse import parse_qsl

import pytest
from django.http import QueryDict

from pim.search.params import params_from_query, query_from_params, query_string
from pim.search.query import (
    BooleanFilter,
    DownloadFilter,
    NumberFilter,
    OptionFilter,
    RangeFilter,
    SearchQuery,
    SearchQueryError,
    Sort,
)
from tests.factories import make_valve_family

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def family():
    family = make_valve_family()
    from pim.catalog.models import Attribute

    Attribute.objects.filter(code="food_grade").update(filterable=True)
    return family


# Every filter kind, each as its canonical parameter list.
CANONICAL = [
    [("q", "ball valve")],
    [("filter[body_material]", "brass")],
    [("filter[approvals]", "atex"), ("filter[approvals]", "fda")],
    [("filter[food_grade]", "true")],
    [("filter[food_grade]", "false")],
    [("filter[max_pressure][gte]", "16 bar")],
    [("filter[max_pressure][lte]", "232 psi")],
    [("filter[max_pressure][gte]", "10"), ("filter[max_pressure][lte]", "2.5 MPa")],
    [("filter[temperature_range][gte]", "0 °C"), ("filter[temperature_range][lte]", "100 °C")],
    [("filter[temperature_range][from]", "-10 °C")],
    [("filter[temperature_range][from]", "14 °F"), ("filter[temperature_range][to]", "248 °F")],
    [("downloads", "cad_3d"), ("downloads", "datasheet")],
    [("family", "valves")],
    [("lifecycle", "active"), ("lifecycle", "phase_out")],
    [("category", "ball")],
    [("sort", "name")],
    [("sort", "-article_number")],
    [("sort", "-attribute:max_pressure")],
    [("size", "50")],
    [("cursor", "eyJvZmZzZXQiOjIwfQ")],
    [
        ("q", "valve"),
        ("category", "ball"),
        ("family", "valves"),
        ("lifecycle", "active"),
        ("filter[approvals]", "fda"),
        ("filter[body_material]", "brass"),
        ("filter[body_material]", "ss316"),
        ("filter[food_grade]", "true"),
        ("filter[max_pressure][gte]", "16 bar"),
        ("filter[temperature_range][from]", "0 °C"),
        ("filter[temperature_range][to]", "90 °C"),
        ("downloads", "certificate"),
        ("sort", "attribute:max_pressure"),
        ("size", "10"),
        ("cursor", "eyJvZmZzZXQiOjEwfQ"),
    ],
]


def querydict(pairs) -> QueryDict:
    qd = QueryDict(mutable=True)
    for key, value in pairs:
        qd.appendlist(key, value)
    return qd


@pytest.mark.parametrize("canonical", CANONICAL, ids=lambda p: "&".join(f"{k}={v}" for k, v in p))
def test_every_filter_kind_round_trips(canonical):
    query = query_from_params(querydict(canonical))
    assert params_from_query(query) == canonical
    # and through the encoded URL as a browser would send it back
    again = query_from_params(querydict(parse_qsl(query_string(query), keep_blank_values=True)))
    assert params_from_query(again) == canonical


def test_mapping_of_lists_is_accepted_too():
    query = query_from_params({"filter[body_material]": ["brass", "ss316"], "q": ["valve"]})
    assert query.text == "valve"
    assert query.filters == [OptionFilter("body_material", ("brass", "ss316"))]


def test_parsed_filters_are_the_contract_types():
    query = query_from_params(
        querydict(
            [
                ("filter[body_material]", "brass"),
                ("filter[food_grade]", "true"),
                ("filter[max_pressure][gte]", "16 bar"),
                ("filter[temperature_range][to]", "90 °C"),
                ("downloads", "datasheet"),
                ("sort", "-name"),
            ]
        ),
        language="de",
    )
    assert query.language == "de"
    assert query.filters == [
        OptionFilter("body_material", ("brass",)),
        BooleanFilter("food_grade", True),
        NumberFilter("max_pressure", at_least="16 bar"),
        RangeFilter.covering("temperature_range", "90 °C"),
        DownloadFilter(("datasheet",)),
    ]
    assert query.sort == Sort.parse("-name")


def test_non_canonical_input_is_normalised():
    messy = querydict(
        [
            ("view", "grid"),  # presentation: ignored
            ("page", "3"),
            ("q", "  ball   valve "),
            ("filter[body_material]", "ss316"),
            ("filter[body_material]", "brass"),
            ("filter[body_material]", "brass"),
            ("filter[max_pressure][gte]", ""),  # empty inputs of a submitted form
            ("filter[max_pressure][lte]", " "),
            ("filter[temperature_range][to]", "50 °C"),
            ("sort", "relevance"),  # the default
            ("size", "20"),
        ]
    )
    assert params_from_query(query_from_params(messy)) == [
        ("q", "ball valve"),
        ("filter[body_material]", "brass"),
        ("filter[body_material]", "ss316"),
        ("filter[temperature_range][from]", "50 °C"),
    ]


def test_path_category_wins_and_can_be_left_out():
    query = query_from_params(querydict([("category", "other")]), category="ball")
    assert query.category == "ball"
    assert params_from_query(query, include_category=False) == []


def test_queries_built_in_code_serialise():
    from pim.catalog.units import Measurement
    from tests.factories import unit

    query = SearchQuery(
        filters=[
            NumberFilter("max_pressure", at_least=16, at_most=Measurement(2.5, unit("MPa"))),
            RangeFilter.overlapping("temperature_range", 0, 100.5),
        ],
        page_size=30,
    )
    assert params_from_query(query, page_size=30) == [
        ("filter[max_pressure][gte]", "16"),
        ("filter[max_pressure][lte]", "2.5 MPa"),
        ("filter[temperature_range][gte]", "0"),
        ("filter[temperature_range][lte]", "100.5"),
    ]
    parsed = query_from_params(querydict(params_from_query(query)))
    assert parsed.filters[1] == NumberFilter("temperature_range", at_least="0", at_most="100.5")


@pytest.mark.parametrize(
    ("pairs", "parameter", "words"),
    [
        ([("filter[max_pressure", "1")], "filter[max_pressure", ["malformed"]),
        ([("filter[]", "1")], "filter[]", ["malformed"]),
        ([("filter[a][b][c]", "1")], "filter[a][b][c]", ["malformed"]),
        ([("filter[max_pressure][gt]", "1")], "filter[max_pressure][gt]", ["gt"]),
        ([("filter[nope]", "x")], "filter[nope]", ["nope"]),
        ([("filter[body_material]", "gold")], "filter[body_material]", ["gold"]),
        ([("filter[food_grade]", "maybe")], "filter[food_grade]", ["maybe"]),
        ([("filter[food_grade]", "true"), ("filter[food_grade]", "false")], "filter[food_grade]", ["true"]),
        ([("filter[max_pressure]", "16")], "filter[max_pressure]", ["gte"]),
        ([("filter[max_pressure][gte]", "abc")], "filter[max_pressure][gte]", ["abc"]),
        ([("filter[max_pressure][gte]", "16 kg")], "filter[max_pressure][gte]", ["kg"]),
        ([("filter[max_pressure][from]", "16 bar")], "filter[max_pressure][from]", ["range"]),
        ([("filter[body_material][gte]", "1")], "filter[body_material][gte]", ["gte"]),
        (
            [("filter[max_pressure][gte]", "40 bar"), ("filter[max_pressure][lte]", "10 bar")],
            "filter[max_pressure][gte]",
            ["lower end"],
        ),
        (
            [("filter[max_pressure][gte]", "1"), ("filter[max_pressure][gte]", "2")],
            "filter[max_pressure][gte]",
            [],
        ),
        ([("lifecycle", "zombie")], "lifecycle", ["zombie"]),
        ([("sort", "price")], "sort", ["price"]),
        ([("size", "0")], "size", ["0"]),
        ([("size", "ten")], "size", ["ten"]),
        ([("q", "a"), ("q", "b")], "q", []),
    ],
)
def test_bad_input_names_the_parameter(pairs, parameter, words):
    with pytest.raises(SearchQueryError) as info:
        query_from_params(querydict(pairs))
    message = info.value.messages[0]
    assert info.value.parameter == parameter
    assert message.startswith(f"{parameter}: ")
    for word in words:
        assert word in message

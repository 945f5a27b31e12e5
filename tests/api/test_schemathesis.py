"""Schemathesis against the schema the API publishes, on a live test server: for requests it
generates from the schema (valid ones and invalid ones), the API never answers with a server
error, and every answer (status code, content type, headers, body) is one the schema
declares. The number of examples per operation is bounded so that CI stays fast."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from pim.api.models import ApiToken, TokenScope
from pim.catalog.models import Category, Lifecycle
from tests.factories import make_product, make_valve_family

# Examples per operation (Hypothesis' default is 100).
EXAMPLES = 25


@pytest.fixture
def catalog_data(django_user_model):
    family = make_valve_family()
    category = Category.objects.create(code="ball-valves", name={"en": "Ball valves"})
    for index in range(3):
        product = make_product(
            family,
            article_number=f"KH-{index}",
            values={"max_pressure": "16 bar", "body_material": "ss316", "food_grade": True},
        )
        product.categories.set([category])
    make_product(family, article_number="DRAFT-1", live=False, lifecycle=Lifecycle.DRAFT)
    owner = django_user_model.objects.create_user("schemathesis", password="not-used-here-7Qx")
    _token, secret = ApiToken.issue(name="Schemathesis", owner=owner, scope=TokenScope.FULL_READ)
    return secret


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.slow
def test_the_api_answers_as_its_schema_says(live_server, catalog_data):
    # Loaded from the live server, as a client would (schemathesis' pytest plugin, which
    # could do that through a fixture, does not run on pytest 9).
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/")
    headers = {"Authorization": f"Bearer {catalog_data}"}
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case):
            # "Schema-valid data is accepted" is left out: a cursor is opaque and a field list
            # names the endpoint's fields, so a string the schema allows may still be a 400
            # that names the parameter (and that answer is checked against the schema).
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as failure:
            failure.add_note(f"operation: {operation.label}")
            raise
    assert "GET /api/v1/products/" in labels

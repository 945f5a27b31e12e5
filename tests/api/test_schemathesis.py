"""Schemathesis against the schema the API publishes, on a live test server: for requests it
generates from the schema (valid ones and invalid ones), the API never answers with a server
error, and every answer (status code, content type, headers, body) is one the schema
declares. The number of examples per operation is bounded so that CI stays fast."""

import pytest

from pim.api.models import ApiToken, TokenScope
from pim.catalog.models import Category, Lifecycle
from tests.factories import make_product, make_valve_family

from .schemathesis_support import check_operations

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
    labels = check_operations(f"{live_server.url}/api/v1/schema/", catalog_data, examples=EXAMPLES)
    assert "GET /api/v1/products/" in labels

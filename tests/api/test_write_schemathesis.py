"""Schemathesis against the write operations with a write token, on a live test server:
whatever body the schema allows (or not), the API never answers with a server error and
every answer is one the schema declares.

The check that schema-valid data is accepted is left out: the schema gives each value's JSON
shape, but whether "16 parsec" is a pressure or a family code exists is the catalog's
question, answered with a documented 400."""

import pytest

from pim.api.models import ApiToken, TokenScope
from tests.factories import make_product, make_valve_family

from .schemathesis_support import check_operations

EXAMPLES = 30


@pytest.fixture
def write_secret(django_user_model):
    family = make_valve_family()
    make_product(family, article_number="KH-1", values={"max_pressure": "16 bar"})
    owner = django_user_model.objects.create_user("schemathesis-writer", password="not-used-here-7Qx")
    _token, secret = ApiToken.issue(name="Schemathesis writer", owner=owner, scope=TokenScope.WRITE)
    return secret


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.slow
def test_write_operations_answer_as_the_schema_says(live_server, write_secret):
    labels = check_operations(
        f"{live_server.url}/api/v1/schema/", write_secret, examples=EXAMPLES, methods=("PUT", "PATCH", "POST")
    )
    assert {"PUT /api/v1/products/{article_number}/", "POST /api/v1/products/bulk/"} <= set(labels)

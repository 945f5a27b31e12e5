"""Schemathesis over the operations of the schema a live server publishes.

Schemathesis' pytest plugin, which could load the schema through a fixture, does not run on
pytest 9; the operations are walked here with Hypothesis' ``@given`` instead. "Schema-valid
data is accepted" is left out: a cursor is opaque, a field list names the endpoint's fields
and whether "16 parsec" is a pressure is the catalog's question, so a value the schema allows
may still be a 400 that names it (and that answer is checked against the schema)."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance


def check_operations(schema_url: str, secret: str, *, examples: int, methods=None) -> list[str]:
    """Call every operation (or those of ``methods``) with ``examples`` generated requests
    and the token ``secret``; raises on a server error or an answer the schema does not
    declare. Returns the operations' labels."""
    schema = schemathesis.openapi.from_url(schema_url)
    headers = {"Authorization": f"Bearer {secret}"}
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if methods is not None and operation.method.upper() not in methods:
            continue
        labels.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as failure:
            failure.add_note(f"operation: {operation.label}")
            raise
    return labels

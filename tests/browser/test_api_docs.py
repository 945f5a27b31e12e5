"""The API docs page in Chromium: Swagger UI from our static files renders the schema under the
page's policy, without a blocked script or style. Header tests cannot show this."""

import pytest

from tests.browser.support import expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_docs_page_renders_the_schema_without_policy_violations(page, live_server):
    violations, outside = [], []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: None if r.url.startswith(live_server.url) else outside.append(r.url))
    page.goto("/api/v1/docs/")
    expect(page.get_by_text("PIM catalog API").first).to_be_visible()
    expect(page.locator("#operations-products-products_list")).to_be_visible()
    assert violations == []
    assert outside == []

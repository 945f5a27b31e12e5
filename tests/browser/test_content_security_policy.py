"""The Content-Security-Policy in a real browser: the public pages and Wagtail's admin work under
their policies (settings.CONTENT_SECURITY_POLICY, PIM_ADMIN_CONTENT_SECURITY_POLICY) without a
single violation. Header tests cannot show this: only a browser blocks what a policy forbids."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.models import Page

from tests.browser.support import expect
from tests.factories import make_product, make_valve_family
from tests.test_deploy import csp_directives

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

USERNAME, PASSWORD = "editor", "a-long-browser-test-password"


def record_violations(page) -> list[str]:
    """Chromium reports every blocked script, style, image or frame on the console."""
    violations = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    return violations


def test_public_pages_run_under_the_strict_policy(page):
    make_product(make_valve_family(), article_number="KH-1")
    violations = record_violations(page)
    for path in ("/", "/products/KH-1/", "/de/produkte/KH-1/"):
        response = page.goto(path)
        assert csp_directives(response.headers["content-security-policy"])["script-src"] == ["'self'"]
        expect(page.locator("main")).to_be_visible()
    # the stylesheet applied: the header has its border
    assert page.locator(".site-header").evaluate("e => getComputedStyle(e).borderBottomStyle") == "solid"
    assert violations == [], "\n".join(violations)


def test_admin_works_under_its_policy(page):
    get_user_model().objects.create_superuser(USERNAME, "editor@example.com", PASSWORD)
    product = make_product(make_valve_family(), article_number="KH-1")
    home = Page.objects.get(depth=2)
    violations = record_violations(page)

    page.goto("/admin/login/")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    # The sidebar (a React app) opens its menus only when scripts run.
    page.get_by_role("button", name="Catalog").click()
    expect(page.get_by_role("link", name="Products", exact=True)).to_be_visible()

    # A page editor (Draftail rich text, Stimulus controllers) and the product editor.
    page.goto(reverse("wagtailadmin_pages:edit", args=[home.pk]))
    expect(page.locator("[data-draftail-input], .Draftail-Editor").first).to_be_attached()
    page.goto(reverse("wagtailsnippets_catalog_product:edit", args=[product.pk]))
    expect(page.get_by_role("tab").first).to_be_visible()

    # The userbar on a public page for a signed-in editor.
    page.goto("/")
    expect(page.locator("wagtail-userbar")).to_be_attached()
    assert violations == [], "\n".join(violations)

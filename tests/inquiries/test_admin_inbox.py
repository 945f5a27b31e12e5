"""The sales team's inbox in the Wagtail admin: list, filters, search, one inquiry (read-only
contact data, editable status and assignee), links to products, permissions, dashboard."""

import json
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

from pim.inquiries.models import Inquiry, InquiryLine, InquiryStatus
from tests.factories import make_product, make_valve_family

from .inbox_data import make_inquiry

pytestmark = pytest.mark.django_db

INDEX = "inquiries:index"


@pytest.fixture
def admin_user(db):
    return User.objects.create(username="admin", email="admin@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def admin(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def family(db):
    return make_valve_family()


def _user_with(*codenames, username="sales") -> User:
    """A staff user who may open the admin and has the given permissions (``app.codename``)."""
    user = User.objects.create(username=username, email=f"{username}@example.com", is_staff=True)
    permissions = [Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")]
    for name in codenames:
        app_label, codename = name.split(".")
        permissions.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    user.user_permissions.set(permissions)
    return user


def _rows(html: str) -> dict[str, str]:
    """The inbox table's rows by reference, as whitespace-collapsed HTML."""
    body = html[html.index("<tbody>", html.index('<table class="listing')) :].split("</tbody>")[0]
    rows = {}
    for row in body.split("<tr")[1:]:
        reference = re.search(r"RFQ-\d{4}-[A-Z0-9]{6}", row).group(0)
        assert reference not in rows, f"{reference} listed twice"
        rows[reference] = " ".join(row.split())
    return rows


def _refused(response) -> bool:
    """Wagtail's answer to PermissionDenied in the admin: back to the dashboard with "Sorry, you
    do not have permission to access this area." (a bare 403 for XHR requests)."""
    return response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")


def _listed(client, **params) -> set[str]:
    """References shown by the inbox for the query ``params``."""
    response = client.get(reverse(INDEX), params)
    assert response.status_code == 200
    return set(_rows(response.content.decode()))


def test_list_shows_newest_first_with_age_lines_status_and_overdue_marker(admin, family):
    valve = make_product(family, article_number="KH-100")
    old = make_inquiry(hours_ago=30, company="Alte Mühle AG", lines=[{"product": valve}, {"product": valve}])
    fresh = make_inquiry(hours_ago=1, company="Pneumatik Süd GmbH", lines=[{"product": valve}])
    answered = make_inquiry(hours_ago=50, company="Quoted Ltd", status=InquiryStatus.QUOTED)

    html = admin.get(reverse(INDEX)).content.decode()

    # newest first
    assert html.index(fresh.reference) < html.index(old.reference) < html.index(answered.reference)
    assert "Pneumatik Süd GmbH" in html and "Germany" in html
    rows = _rows(html)
    assert "<td > 2 </td>" in rows[old.reference]  # two lines
    assert "Overdue" in rows[old.reference]
    assert "Overdue" not in rows[fresh.reference]
    assert "Overdue" not in rows[answered.reference]  # quoted: answered, however old
    assert "Quoted" in rows[answered.reference]
    assert re.search(r"1\s+day ago", rows[old.reference])  # the age
    assert reverse("inquiries:edit", args=[old.pk]) in rows[old.reference]


def test_filters_status_assignee_country_received_and_overdue(admin, admin_user):
    colleague = _user_with("inquiries.change_inquiry", username="colleague")
    mine = make_inquiry(hours_ago=10, assignee=admin_user, status=InquiryStatus.IN_PROGRESS)
    theirs = make_inquiry(hours_ago=2, assignee=colleague, country="AT")
    nobody = make_inquiry(hours_ago=6, country="CH")
    last_year = make_inquiry(hours_ago=24 * 400, status=InquiryStatus.CLOSED)

    assert _listed(admin, status="in_progress") == {mine.reference}
    assert _listed(admin, status="new") == {theirs.reference, nobody.reference}
    assert _listed(admin, assignee="me") == {mine.reference}
    assert _listed(admin, assignee="none") == {nobody.reference, last_year.reference}
    assert _listed(admin, assignee=str(colleague.pk)) == {theirs.reference}
    assert _listed(admin, country="CH") == {nobody.reference}
    assert _listed(admin, overdue="true") == {nobody.reference}
    assert _listed(admin, overdue="false") == {mine.reference, theirs.reference, last_year.reference}
    year = last_year.created_at.date()
    assert _listed(admin, received_from=year.isoformat(), received_to=year.isoformat()) == {
        last_year.reference
    }
    # A value the filter does not offer is ignored, never a 500.
    assert admin.get(reverse(INDEX), {"assignee": "12abc", "status": "spam"}).status_code == 200


def test_search_finds_reference_company_email_and_article_numbers_of_lines(admin, family):
    valve = make_product(family, article_number="4711-ABC.12")
    pump = make_product(family, article_number="P-9")
    by_article = make_inquiry(company="Fluidtechnik Ost", lines=[{"product": pump}, {"product": valve}])
    other = make_inquiry(company="Ventilbau West", email="buyer@ventilbau.example", lines=[{"product": pump}])
    custom = make_inquiry(
        company="Sondermaschinen", lines=[{"requirement": "Manifold, 6 stations", "quantity": 2}]
    )

    assert _listed(admin, q="ABC.12") == {by_article.reference}
    assert _listed(admin, q="p-9") == {by_article.reference, other.reference}
    assert _listed(admin, q="ventilbau.example") == {other.reference}
    assert _listed(admin, q="sondermasch") == {custom.reference}
    assert _listed(admin, q=by_article.reference.lower()) == {by_article.reference}
    # Two matching lines still list the inquiry once, with its real line count.
    rows = _rows(admin.get(reverse(INDEX), {"q": "-"}).content.decode())
    assert set(rows) == {by_article.reference, other.reference, custom.reference}
    assert "<td > 2 </td>" in rows[by_article.reference]


def test_edit_changes_status_and_assignee_only(admin, admin_user, family):
    valve = make_product(family, article_number="KH-100")
    inquiry = make_inquiry(lines=[{"product": valve, "quantity": Decimal("50")}], message="Bitte bis KW 12.")
    url = reverse("inquiries:edit", args=[inquiry.pk])
    page = admin.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for sent in (
        "Erika Mustermann",
        "Hydraulik Nord GmbH",
        "erika@hydraulik-nord.example",
        "Bitte bis KW 12.",
    ):
        assert sent in html
    assert 'name="company"' not in html and 'name="email"' not in html  # shown, not editable
    assert 'name="status"' in html and 'name="assignee"' in html

    response = admin.post(
        url,
        {
            "status": InquiryStatus.IN_PROGRESS,
            "assignee": admin_user.pk,
            # tampered: fields the form does not have
            "company": "Evil Corp",
            "email": "attacker@example.com",
            "name": "Mallory",
            "message": "changed",
            "reference": "RFQ-0000-HACKED",
            "created_at": "2000-01-01 00:00",
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.IN_PROGRESS and inquiry.assignee == admin_user
    assert (inquiry.company, inquiry.email, inquiry.name, inquiry.message) == (
        "Hydraulik Nord GmbH",
        "erika@hydraulik-nord.example",
        "Erika Mustermann",
        "Bitte bis KW 12.",
    )
    assert inquiry.reference.startswith("RFQ-") and inquiry.reference != "RFQ-0000-HACKED"


def test_edit_refuses_an_unknown_status_and_a_user_who_may_not_work_on_inquiries(admin):
    outsider = User.objects.create(username="outsider", is_staff=True)
    inquiry = make_inquiry()
    url = reverse("inquiries:edit", args=[inquiry.pk])
    response = admin.post(url, {"status": "bribed", "assignee": outsider.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"status", "assignee"}
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.NEW and inquiry.assignee is None


def test_lines_link_to_products_and_survive_their_deletion(admin, family):
    valve = make_product(family, article_number="KH-100", name={"en": "Ball valve DN 15"})
    inquiry = make_inquiry(
        lines=[
            {"product": valve, "quantity": Decimal("2.5"), "note": "with certificate 3.1"},
            {"requirement": "Hydraulic block to drawing 0815", "quantity": 3, "note": "sample first"},
        ]
    )
    url = reverse("inquiries:edit", args=[inquiry.pk])
    html = admin.get(url).content.decode()
    assert reverse("wagtailsnippets_catalog_product:edit", args=[valve.pk]) in html
    assert reverse("cms:product", args=["KH-100"]) in html  # the public page
    assert "2.5" in html and "with certificate 3.1" in html
    assert "Custom product" in html and "Hydraulic block to drawing 0815" in html

    product_url = reverse("wagtailsnippets_catalog_product:edit", args=[valve.pk])
    valve.delete()
    html = admin.get(url).content.decode()
    assert product_url not in html
    assert "KH-100" in html and "Ball valve DN 15" in html  # as sent
    assert "no longer in the catalog" in html


def test_public_link_only_while_the_product_is_public(admin, family):
    hidden = make_product(family, article_number="KH-DRAFT", live=False)
    inquiry = make_inquiry(lines=[{"product": hidden}])
    html = admin.get(reverse("inquiries:edit", args=[inquiry.pk])).content.decode()
    assert reverse("wagtailsnippets_catalog_product:edit", args=[hidden.pk]) in html
    assert reverse("cms:product", args=["KH-DRAFT"]) not in html


def test_mail_status_and_consent_are_shown(admin):
    inquiry = make_inquiry(consent_text="Ich willige in die Verarbeitung meiner Daten ein.")
    Inquiry.objects.filter(pk=inquiry.pk).update(visitor_mail_sent_at=inquiry.created_at)
    html = admin.get(reverse("inquiries:edit", args=[inquiry.pk])).content.decode()
    assert "Ich willige in die Verarbeitung meiner Daten ein." in html
    mails = html[html.index('id="inquiry-mails"') :]
    assert mails.count("not sent") == 2 and mails.count("sent ") >= 1


def test_delete_removes_the_inquiry_with_its_lines(admin):
    inquiry = make_inquiry(company="Spam Inc", lines=[{"requirement": "buy cheap watches", "quantity": 1}])
    url = reverse("inquiries:delete", args=[inquiry.pk])
    assert admin.get(url).status_code == 200
    assert admin.post(url).status_code == 302
    assert not Inquiry.objects.filter(pk=inquiry.pk).exists()
    assert not InquiryLine.objects.filter(inquiry_id=inquiry.pk).exists()


def test_group_editor_offers_view_change_and_delete_but_not_add(admin):
    group = Group.objects.create(name="Sales")
    html = admin.get(reverse("wagtailusers_groups:edit", args=[group.pk])).content.decode()
    offered = {
        permission.codename
        for permission in Permission.objects.filter(
            content_type__app_label="inquiries", codename__endswith="_inquiry"
        )
        if f'value="{permission.pk}"' in html
    }
    assert offered == {"view_inquiry", "change_inquiry", "delete_inquiry"}


def test_nobody_adds_or_copies_inquiries_in_the_admin(admin):
    assert _refused(admin.get("/admin/inquiries/new/"))
    assert (
        admin.get("/admin/inquiries/new/", headers={"x-requested-with": "XMLHttpRequest"}).status_code == 403
    )
    html = admin.get(reverse(INDEX)).content.decode()
    assert "/admin/inquiries/new/" not in html
    inquiry = make_inquiry()
    assert admin.get(f"/admin/inquiries/copy/{inquiry.pk}/").status_code == 404


def test_user_without_permissions_sees_no_menu_and_is_refused(client):
    inquiry = make_inquiry(hours_ago=10)
    client.force_login(_user_with())
    home = client.get(reverse("wagtailadmin_home"))
    assert home.status_code == 200
    assert "/admin/inquiries/" not in home.content.decode()  # no menu item, no dashboard panel
    for url in (
        reverse(INDEX),
        reverse("inquiries:edit", args=[inquiry.pk]),
        reverse("inquiries:inspect", args=[inquiry.pk]),
        reverse("inquiries:delete", args=[inquiry.pk]),
        reverse("inquiries:export_csv", args=[inquiry.pk]),
        reverse("inquiries:export_xlsx", args=[inquiry.pk]),
    ):
        assert _refused(client.get(url)), url
        assert client.get(url, headers={"x-requested-with": "XMLHttpRequest"}).status_code == 403, url
    assert _refused(client.post(reverse("inquiries:edit", args=[inquiry.pk]), {"status": "closed"}))
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.NEW


def test_view_permission_reads_without_editing(client):
    inquiry = make_inquiry(company="Lesbar GmbH")
    group = Group.objects.create(name="Sales assistants")
    group.permissions.add(Permission.objects.get(codename="view_inquiry"))
    user = _user_with()
    user.groups.add(group)
    client.force_login(user)
    listing = client.get(reverse(INDEX)).content.decode()
    assert inquiry.reference in listing
    assert reverse("inquiries:inspect", args=[inquiry.pk]) in listing
    assert reverse("inquiries:edit", args=[inquiry.pk]) not in listing
    page = client.get(reverse("inquiries:inspect", args=[inquiry.pk]))
    assert page.status_code == 200 and "Lesbar GmbH" in page.content.decode()
    assert _refused(client.get(reverse("inquiries:edit", args=[inquiry.pk])))
    assert client.get(reverse("inquiries:export_csv", args=[inquiry.pk])).status_code == 200


def _sidebar_labels(html: str) -> list[str]:
    props = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', html, re.S
    )
    data = json.loads(props.group(1))
    labels = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("label"), str):
                labels.append(node["label"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    return labels


def test_menu_counts_new_inquiries(admin):
    make_inquiry()
    make_inquiry()
    make_inquiry(status=InquiryStatus.CLOSED)
    labels = _sidebar_labels(admin.get(reverse("wagtailadmin_home")).content.decode())
    assert "Inquiries (2 new)" in labels
    Inquiry.objects.update(status=InquiryStatus.IN_PROGRESS)
    labels = _sidebar_labels(admin.get(reverse("wagtailadmin_home")).content.decode())
    assert "Inquiries" in labels


def test_dashboard_panel_lists_overdue_inquiries_oldest_first(admin, settings):
    settings.PIM_INQUIRY_RESPONSE_HOURS = 4
    older = make_inquiry(hours_ago=9, company="Älteste Anfrage KG")
    newer = make_inquiry(hours_ago=5, company="Zweite Anfrage")
    waiting = make_inquiry(hours_ago=3, company="Noch nicht fällig")
    make_inquiry(hours_ago=20, company="Beantwortet", status=InquiryStatus.QUOTED)
    html = admin.get(reverse("wagtailadmin_home")).content.decode()
    panel = html[html.index('id="overdue-inquiries-section"') :]
    assert "2 inquiries have been new for more than 4 hours" in panel
    assert panel.index(older.reference) < panel.index(newer.reference)
    assert reverse("inquiries:edit", args=[older.pk]) in panel
    assert waiting.reference not in panel and "Beantwortet" not in panel
    assert reverse(INDEX) + "?overdue=true" in panel


def test_dashboard_panel_says_when_nothing_is_overdue(admin):
    make_inquiry(hours_ago=1)
    html = admin.get(reverse("wagtailadmin_home")).content.decode()
    assert "No inquiry has been new for more than 4 hours." in html

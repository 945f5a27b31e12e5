"""Change-notice pages (cms/notice_views.py): the "notify me" form on cached product and series
pages, subscribe, confirm, unsubscribe (also RFC 8058 one-click), manage; no enumeration,
honeypot, rate limits, translated paths, noindex."""

import re
import time
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from cms import page_cache
from pim.catalog.models import Lifecycle, ProductModel
from pim.inquiries import subscriptions
from pim.inquiries.models import Subscription
from tests.factories import make_product, make_valve_family
from tests.inquiries.notice_helpers import mail_link

pytestmark = pytest.mark.django_db

SITE = "http://testserver"
SUBSCRIBE = "/notices/subscribe/"


@pytest.fixture
def family():
    return make_valve_family()


@pytest.fixture
def product(family):
    return make_product(family, article_number="KH-1", name={"en": "Ball valve", "de": "Kugelhahn"})


@pytest.fixture
def series(family):
    model = ProductModel.objects.create(
        code="BV", name={"en": "Ball valve BV", "de": "Kugelhahn BV"}, family=family, live=True
    )
    make_product(family, article_number="BV-15", product_model=model, name={})
    return model


def subscribe(client, data, path=SUBSCRIBE, remote="127.0.0.1"):
    payload = {"email": "buyer@example.com", "kinds": ["lifecycle", "documents"], **data}
    return client.post(path, payload, headers={"origin": SITE}, REMOTE_ADDR=remote)


def text(response) -> str:
    """The visible text of the page's main element, whitespace collapsed."""
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def link_in(message, word: str, language: str = "en") -> str:
    """The path of the ``confirm`` or ``manage`` link in a mail, in ``language``."""
    return mail_link(message, f"cms:notice_{word}", language)


def confirmed(product, email="buyer@example.com", **fields):
    return Subscription.objects.create(
        email=email, product=product, language="en", confirmed_at=timezone.now(), **fields
    )


# --- the form on product and series pages ----------------------------------------------------------
def test_product_page_has_the_form_without_csrf_token_and_with_a_hidden_honeypot(client, product):
    html = client.get("/products/KH-1/").content.decode()
    form = html[html.index('<section class="product__section notify-me"') :]
    form = form[: form.index("</section>")]
    assert f'action="{SUBSCRIBE}"' in form
    assert '<input type="hidden" name="product" value="KH-1">' in form
    assert 'name="csrfmiddlewaretoken"' not in form
    assert re.search(r'value="lifecycle" checked', form) and re.search(r'value="documents" checked', form)
    assert 'value="prices"' not in form  # the site shows no prices
    trap = re.search(r'<div class="notify-me__trap" aria-hidden="true">(.*?)</div>', form, re.S).group(1)
    assert re.search(r'<input [^>]*name="website"[^>]*tabindex="-1"[^>]*autocomplete="off"', trap)
    assert 'href="/notices/manage/"' in form


def test_prices_are_offered_only_when_the_site_shows_prices(client, product, settings):
    settings.PIM_PUBLIC_PRICES = True
    html = client.get("/products/KH-1/").content.decode()
    assert re.search(r'<input type="checkbox" name="kinds" value="prices">', html)  # offered, not checked
    response = subscribe(client, {"product": "KH-1", "kinds": ["prices"]})
    assert response.status_code == 200
    assert Subscription.objects.get().kinds() == ["prices"]


def test_prices_cannot_be_posted_when_the_site_shows_none(client, product, mailoutbox):
    response = subscribe(client, {"product": "KH-1", "kinds": ["prices"]})
    assert response.status_code == 400
    assert "is not a kind of change you can subscribe to" in text(response)
    assert not Subscription.objects.exists() and not mailoutbox


def test_series_page_has_the_form_for_the_series(client, series):
    html = client.get("/series/BV/").content.decode()
    assert '<input type="hidden" name="series" value="BV">' in html
    response = subscribe(client, {"series": "BV"})
    assert response.status_code == 200
    assert Subscription.objects.get().product_model == series


def test_the_product_page_stays_cached_and_creates_no_session(client, product):
    first = client.get("/products/KH-1/")
    second = client.get("/products/KH-1/")
    assert first[page_cache.STATUS_HEADER] == "miss"
    assert second[page_cache.STATUS_HEADER] == "hit"
    for response in (first, second):
        assert not response.cookies
    assert django_settings.SESSION_COOKIE_NAME not in client.cookies
    assert django_settings.CSRF_COOKIE_NAME not in client.cookies


def test_a_draft_product_has_no_form_and_its_subscribe_post_is_refused(client, family, mailoutbox):
    make_product(family, article_number="KH-DRAFT", lifecycle=Lifecycle.DRAFT)
    make_product(family, article_number="KH-OFF", live=False)
    for number in ("KH-DRAFT", "KH-OFF", "NOPE"):
        assert client.get(f"/products/{number}/").status_code == 404
        response = subscribe(client, {"product": number})
        assert response.status_code == 404, number
        assert "not in the public catalog" in text(response)
    hidden = ProductModel.objects.create(code="HID", name={"en": "Hidden"}, family=family, live=False)
    make_product(family, article_number="HID-1", product_model=hidden)
    assert subscribe(client, {"series": "HID"}).status_code == 404
    assert subscribe(client, {"product": "KH-\x00"}).status_code == 404
    assert subscribe(client, {"product": "K" * 5000}).status_code == 404
    assert subscribe(client, {}).status_code == 404
    assert not Subscription.objects.exists() and not mailoutbox


def test_subscribe_needs_a_post_from_this_site(client, product):
    assert client.get(SUBSCRIBE).status_code == 405
    foreign = client.post(SUBSCRIBE, {"product": "KH-1", "email": "a@example.com", "kinds": ["lifecycle"]},
                          headers={"origin": "https://evil.example"})  # fmt: skip
    assert foreign.status_code == 403
    assert not Subscription.objects.exists()


# --- subscribe ---------------------------------------------------------------------------------------
def test_subscribe_answers_check_your_inbox_and_sends_one_mail(client, product, mailoutbox):
    response = subscribe(client, {"product": "KH-1", "email": " Buyer@Example.com "})
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    page = text(response)
    assert "Check your inbox" in page
    assert "We sent a confirmation link to buyer@example.com" in page
    stored = Subscription.objects.get()
    assert (stored.email, stored.product, stored.confirmed_at, stored.language) == (
        "buyer@example.com",
        product,
        None,
        "en",
    )
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["buyer@example.com"]


def test_german_visitors_subscribe_in_german(client, product, mailoutbox):
    with translation.override("de"):
        path = reverse("cms:notice_subscribe")
    assert path.startswith("/de/")
    html = client.get("/de/produkte/KH-1/").content.decode()
    assert f'action="{path}"' in html
    assert subscribe(client, {"product": "KH-1"}, path=path).status_code == 200
    assert Subscription.objects.get().language == "de"
    assert "Kugelhahn (KH-1)" in mailoutbox[0].subject
    assert link_in(mailoutbox[0], "confirm", "de").startswith("/de/")


def test_no_enumeration_the_answer_is_the_same_for_known_and_unknown_addresses(client, product, mailoutbox):
    confirmed(product, email="known@example.com")
    known = subscribe(client, {"product": "KH-1", "email": "known@example.com"})
    unknown = subscribe(client, {"product": "KH-1", "email": "unknown@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert text(known).replace("known@", "ADDRESS@") == text(unknown).replace("unknown@", "ADDRESS@")
    # The confirmed subscription is unchanged until its mailbox confirms the new request.
    assert Subscription.objects.get(email="known@example.com").confirmed_at is not None
    assert len(mailoutbox) == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "Enter a complete e-mail address, such as name@example.com."),
        ({"email": ""}, "email", "Enter your e-mail address"),
        ({"email": "a" * 250 + "@example.com"}, "email", "This e-mail address is too long"),
        ({"kinds": []}, "kinds", "Choose at least one kind of change to be notified about."),
        ({"kinds": ["weather"]}, "kinds", "“weather” is not a kind of change you can subscribe to."),
    ],
)
def test_bad_input_is_shown_at_the_field(client, product, mailoutbox, data, field, message):
    response = subscribe(client, {"product": "KH-1", **data})
    assert response.status_code == 400
    assert "no-cache" in response["Cache-Control"]
    html = response.content.decode()
    error = re.search(rf'<p class="field-error" id="notify-me-{field}-error">([^<]*)</p>', html)
    assert error and message in error.group(1)
    assert not Subscription.objects.exists() and not mailoutbox


def test_the_form_shown_again_keeps_what_was_typed(client, product):
    response = subscribe(client, {"product": "KH-1", "email": "buyer@", "kinds": ["documents"]})
    html = response.content.decode()
    assert 'value="buyer@"' in html
    assert 'value="documents" checked' in html
    assert re.search(r'value="lifecycle">', html)
    assert '<a href="/products/KH-1/">Back to Ball valve (KH-1)</a>' in html


def test_the_honeypot_refuses_and_stores_nothing(client, product, mailoutbox):
    response = subscribe(client, {"product": "KH-1", "website": "http://spam.example"})
    assert response.status_code == 400
    assert "Request refused" in text(response)
    assert not Subscription.objects.exists() and not mailoutbox


def test_rate_limit_per_client_address(client, family, product, settings, mailoutbox):
    settings.PIM_INQUIRY_RATE_PER_ADDRESS = 3
    for number in range(3):
        assert subscribe(client, {"product": "KH-1", "email": f"b{number}@example.com"}).status_code == 200
    limited = subscribe(client, {"product": "KH-1", "email": "b9@example.com"})
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert "Too many requests from your network. Please try again in" in text(limited)
    assert Subscription.objects.count() == 3 and len(mailoutbox) == 3
    # Another client address is not limited.
    other = subscribe(client, {"product": "KH-1", "email": "b9@example.com"}, remote="10.0.0.9")
    assert other.status_code == 200


def test_rate_limit_per_e_mail_address(client, product, settings, mailoutbox):
    settings.PIM_INQUIRY_RATE_PER_EMAIL = 2
    for _attempt in range(2):
        assert subscribe(client, {"product": "KH-1"}).status_code == 200
    limited = subscribe(client, {"product": "KH-1"}, remote="10.0.0.9")
    assert limited.status_code == 429
    error = re.search(r'id="notify-me-email-error">([^<]*)<', limited.content.decode()).group(1)
    assert "Too many requests for this e-mail address" in error
    assert len(mailoutbox) == 2


def test_a_refused_mail_is_a_clear_503(client, product, settings):
    settings.EMAIL_BACKEND = "tests.inquiries.test_subscriptions.RefusingBackend"
    response = subscribe(client, {"product": "KH-1"})
    assert response.status_code == 503
    assert "The e-mail could not be sent" in text(response)


# --- confirm -----------------------------------------------------------------------------------------
def test_confirm_shows_a_button_and_confirms_only_on_post(client, product, mailoutbox):
    subscribe(client, {"product": "KH-1"})
    path = link_in(mailoutbox[0], "confirm")
    page = client.get(path)
    assert page.status_code == 200
    assert "no-cache" in page["Cache-Control"]
    assert "Send notices to buyer@example.com about:" in text(page)
    assert re.search(
        r'<form method="post" action="[^"]+">\s*<button type="submit" class="button">Confirm',
        page.content.decode(),
    )
    assert Subscription.objects.get().confirmed_at is None  # a mail scanner opening the link confirms nothing

    # No CSRF token needed: the signed link is the proof.
    done = Client(enforce_csrf_checks=True).post(path)
    assert done.status_code == 200
    assert "Subscription confirmed" in text(done)
    assert Subscription.objects.get().confirmed_at is not None

    again = client.post(path)
    assert again.status_code == 200
    assert "Already confirmed" in text(again)
    assert "Already confirmed" in text(client.get(path))


def test_an_expired_confirm_link_says_so_and_offers_to_subscribe_again(client, product, mailoutbox, settings):
    settings.PIM_NOTICE_CONFIRM_DAYS = 1
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 2 * 24 * 3600):
        subscribe(client, {"product": "KH-1"})
    path = link_in(mailoutbox[0], "confirm")
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400
        assert "This confirmation link has expired" in text(response)
        assert (
            '<a href="/products/KH-1/">Subscribe again on the product page</a>' in response.content.decode()
        )
    assert Subscription.objects.get().confirmed_at is None


def test_a_tampered_confirm_link_is_a_clear_400(client, product, mailoutbox):
    subscribe(client, {"product": "KH-1"})
    path = link_in(mailoutbox[0], "confirm")
    tampered = path[:-6] + ("A" if path[-6] != "A" else "B") + path[-5:]
    for response in (client.get(tampered), client.post(tampered), client.get("/notices/confirm/nonsense/")):
        assert response.status_code == 400
        assert "This link is not valid" in text(response)
    assert Subscription.objects.get().confirmed_at is None


# --- unsubscribe -------------------------------------------------------------------------------------
def test_unsubscribe_get_asks_and_post_ends_it(client, product):
    subscription = confirmed(product)
    path = reverse("cms:notice_unsubscribe", kwargs={"token": subscriptions.unsubscribe_token(subscription)})
    page = client.get(path)
    assert page.status_code == 200
    assert "Stop the notices to buyer@example.com about Ball valve (KH-1)?" in text(page)
    assert Subscription.objects.exists()  # GET never unsubscribes

    done = Client(enforce_csrf_checks=True).post(path)
    assert done.status_code == 200
    assert "buyer@example.com no longer receives notices about Ball valve (KH-1)." in text(done)
    assert not Subscription.objects.exists()

    gone = client.get(path)
    assert gone.status_code == 200
    assert "You are not subscribed" in text(gone)
    assert client.post(path).status_code == 200


def test_rfc_8058_one_click_unsubscribe(product):
    subscription = confirmed(product)
    other = confirmed(product, email="other@example.com")
    url = subscriptions.unsubscribe_url(subscription)
    path = url.replace(django_settings.PIM_PUBLIC_BASE_URL.rstrip("/"), "")
    # A mail client posts without cookies, CSRF token or Origin of this site.
    response = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert list(Subscription.objects.all()) == [other]


def test_the_digests_unsubscribe_all_link_asks_then_ends_every_subscription_of_the_address(
    client, product, series
):
    confirmed(product)
    Subscription.objects.create(
        email="buyer@example.com", product_model=series, language="en", confirmed_at=timezone.now()
    )
    other = confirmed(product, email="other@example.com")
    url = subscriptions.unsubscribe_all_url("Buyer@Example.com", "en")
    path = url.replace(django_settings.PIM_PUBLIC_BASE_URL.rstrip("/"), "")
    assert path.startswith("/notices/unsubscribe-all/")
    page = client.get(path)
    assert page.status_code == 200
    assert "Stop all change notices to buyer@example.com about 2 products and series?" in text(page)
    assert Subscription.objects.count() == 3  # GET never unsubscribes

    # The RFC 8058 one-click POST of a mail client: no cookies, no CSRF token, no Origin.
    done = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert done.status_code == 200
    assert "buyer@example.com no longer receives change notices." in text(done)
    assert list(Subscription.objects.all()) == [other]
    assert "You are not subscribed" in text(client.get(path))

    tampered = path[:-6] + ("A" if path[-6] != "A" else "B") + path[-5:]
    assert client.post(tampered).status_code == 400
    assert Subscription.objects.count() == 1


def test_a_tampered_unsubscribe_link_is_a_clear_400(client, product):
    subscription = confirmed(product)
    token = subscriptions.unsubscribe_token(subscription)
    path = reverse("cms:notice_unsubscribe", kwargs={"token": token[:-4] + "AAAA"})
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400
        assert "This link is not valid" in text(response)
    assert Subscription.objects.exists()


# --- manage ------------------------------------------------------------------------------------------
def test_manage_request_answers_the_same_for_known_and_unknown_addresses(client, product, mailoutbox):
    confirmed(product, email="known@example.com")
    page = client.get("/notices/manage/")
    assert page.status_code == 200 and "no-cache" in page["Cache-Control"]
    known = client.post("/notices/manage/", {"email": "known@example.com"})
    unknown = client.post("/notices/manage/", {"email": "unknown@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert text(known).replace("known@", "ADDRESS@") == text(unknown).replace("unknown@", "ADDRESS@")
    assert [message.to for message in mailoutbox] == [["known@example.com"]]


def test_manage_request_checks_its_input(client, product, settings, mailoutbox):
    bad = client.post("/notices/manage/", {"email": "nope"})
    assert bad.status_code == 400
    assert re.search(r'id="manage-email-error">Enter a complete e-mail address', bad.content.decode())
    trapped = client.post("/notices/manage/", {"email": "known@example.com", "website": "x"})
    assert trapped.status_code == 400
    settings.PIM_INQUIRY_RATE_PER_ADDRESS = 1
    assert client.post("/notices/manage/", {"email": "known@example.com"}).status_code == 429
    assert not mailoutbox


def test_manage_page_lists_and_removes_only_that_addresses_subscriptions(
    client, family, product, series, mailoutbox
):
    hidden = make_product(family, article_number="KH-GONE")
    mine = [
        confirmed(product),
        Subscription.objects.create(
            email="buyer@example.com", product_model=series, language="en", documents=False
        ),
        confirmed(hidden),
    ]
    hidden.live = False
    hidden.save()
    theirs = confirmed(product, email="other@example.com")

    client.post("/notices/manage/", {"email": "buyer@example.com"})
    path = link_in(mailoutbox[0], "manage")
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert re.findall(r'data-subscription="(\d+)"', html) == [str(item.pk) for item in mine]
    assert '<a href="/products/KH-1/">Ball valve (KH-1)</a>' in html
    assert '<a href="/series/BV/">Ball valve BV (BV)</a>' in html
    assert "KH-GONE" not in html and "A product no longer in the public catalog" in html
    assert "waiting for confirmation" in html and "confirmed" in html
    assert "other@example.com" not in html

    # Someone else's subscription id does nothing.
    client.post(path, {"remove": [str(theirs.pk), "x"]})
    assert Subscription.objects.count() == 4
    removed = client.post(path, {"remove": str(mine[0].pk)}, follow=True)
    assert "1 subscription removed." in text(removed)
    assert set(Subscription.objects.all()) == {mine[1], mine[2], theirs}
    client.post(path, {"remove_all": "1"})
    assert list(Subscription.objects.all()) == [theirs]
    assert "This address has no subscriptions" in text(client.get(path))


def test_an_expired_manage_link_offers_a_new_one(client, settings):
    settings.PIM_NOTICE_CONFIRM_DAYS = 1
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 2 * 24 * 3600):
        token = subscriptions.manage_token("buyer@example.com")
    response = client.get(reverse("cms:notice_manage", kwargs={"token": token}))
    assert response.status_code == 400
    assert "This link has expired" in text(response)
    assert '<a href="/notices/manage/">Ask for a new link</a>' in response.content.decode()


def test_notice_pages_are_not_indexed(client, product):
    subscription = confirmed(product)
    paths = [
        "/notices/manage/",
        reverse("cms:notice_manage", kwargs={"token": subscriptions.manage_token("buyer@example.com")}),
        reverse("cms:notice_unsubscribe", kwargs={"token": subscriptions.unsubscribe_token(subscription)}),
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode(), path
        assert "no-cache" in response["Cache-Control"], path

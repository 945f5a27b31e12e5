"""Change-notice subscriptions (pim.inquiries.subscriptions): double opt-in, signed links,
nobody changes a confirmed subscription without its mailbox, unsubscribe and manage."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import signing
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from pim.catalog.models import Lifecycle, ProductModel
from pim.inquiries import subscriptions
from pim.inquiries.models import Subscription
from tests.factories import make_product

from .notice_helpers import link_token, mail_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def series(family):
    model = ProductModel.objects.create(
        code="BV", name={"en": "Ball valve BV", "de": "Kugelhahn BV"}, family=family, live=True
    )
    make_product(family, article_number="BV-15", product_model=model)
    return model


def token_of(message) -> str:
    """The token of the confirm link in an opt-in mail (in the mail's language)."""
    language = "de" if "/de/" in message.body else "en"
    return link_token(mail_link(message, "cms:notice_confirm", language))


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_subscribe_creates_a_pending_subscription_and_one_mail_in_the_visitors_language(product, mailoutbox):
    subscription = subscriptions.subscribe(" Buyer@Example.COM ", product, ["lifecycle"], "de")

    stored = Subscription.objects.get()
    assert stored == subscription
    assert (stored.email, stored.product, stored.language) == ("buyer@example.com", product, "de")
    assert stored.confirmed_at is None
    assert stored.kinds() == ["lifecycle"]
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["buyer@example.com"]
    # German: the product's German name and German links.
    assert "Kugelhahn (KH-1)" in message.subject
    assert "/de/produkte/KH-1/" in message.body
    assert mail_link(message, "cms:notice_confirm", "de").startswith("/de/")
    # The kinds too, although the test (unlike a request) runs in English.
    assert "Lebenszyklus: Auslauf, Abkündigung, Nachfolger" in message.body


def test_the_opt_in_mail_names_what_was_chosen_and_how_long_the_link_works(product, mailoutbox, settings):
    settings.PIM_NOTICE_CONFIRM_DAYS = 3
    subscriptions.subscribe("buyer@example.com", product, ["lifecycle", "documents"], "en")
    body = mailoutbox[0].body
    assert "Ball valve (KH-1)" in body
    assert "Lifecycle: phase-out, discontinuation, successor" in body
    assert "Documents: new or revised datasheets" in body
    assert "Prices" not in body
    assert "3 days" in body
    assert "If this was not you, ignore this e-mail" in body


def test_confirm_works_once(product, mailoutbox):
    subscriptions.subscribe("buyer@example.com", product, ["lifecycle", "documents"], "en")
    token = token_of(mailoutbox[0])

    outcome, subscription = subscriptions.confirm(token)
    assert outcome == subscriptions.CONFIRMED
    confirmed_at = Subscription.objects.get().confirmed_at
    assert confirmed_at is not None

    outcome, again = subscriptions.confirm(token)
    assert outcome == subscriptions.ALREADY_CONFIRMED
    assert again.pk == subscription.pk
    assert Subscription.objects.get().confirmed_at == confirmed_at


def test_an_expired_confirm_link_is_refused_and_names_the_product(product, mailoutbox, settings):
    settings.PIM_NOTICE_CONFIRM_DAYS = 2
    issued = time.time() - 2 * 24 * 3600 - 60  # a minute older than the link may be
    with mock.patch("django.core.signing.time.time", return_value=issued):
        subscriptions.subscribe("buyer@example.com", product, ["lifecycle"], "en")
    token = token_of(mailoutbox[0])

    with pytest.raises(subscriptions.LinkExpired) as refused:
        subscriptions.confirm(token)
    assert refused.value.target == product
    assert "expired" in str(refused.value) and "2 days" in str(refused.value)
    assert Subscription.objects.get().confirmed_at is None


def test_a_tampered_confirm_link_is_refused(product, mailoutbox):
    subscriptions.subscribe("buyer@example.com", product, ["lifecycle"], "en")
    token = token_of(mailoutbox[0])
    head, _sep, signature = token.rpartition(":")
    tampered = f"{head}:{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    for bad in (tampered, token[:-3], "", "x" * 5000, subscriptions.manage_token("buyer@example.com")):
        with pytest.raises(subscriptions.LinkInvalid):
            subscriptions.confirm(bad)
    assert Subscription.objects.get().confirmed_at is None


def test_a_stranger_cannot_change_a_confirmed_subscription(product, mailoutbox):
    subscriptions.subscribe("buyer@example.com", product, ["lifecycle", "documents"], "en")
    subscriptions.confirm(token_of(mailoutbox[0]))

    # Anyone can type the address into the form: the confirmed row stays as it was.
    subscriptions.subscribe("buyer@example.com", product, ["documents"], "de")
    stored = Subscription.objects.get()
    assert stored.kinds() == ["lifecycle", "documents"]
    assert stored.language == "en"
    # The mailbox is asked, in the language of the new request.
    assert len(mailoutbox) == 2
    assert "Kugelhahn (KH-1)" in mailoutbox[1].subject

    subscriptions.subscribe("buyer@example.com", product, ["documents"], "en")
    assert "already receives these notices" in mailoutbox[2].body
    assert Subscription.objects.get().kinds() == ["lifecycle", "documents"]


def test_the_new_choice_applies_when_its_link_is_confirmed_and_old_links_change_nothing(product, mailoutbox):
    subscriptions.subscribe("buyer@example.com", product, ["lifecycle", "documents"], "en")
    first = token_of(mailoutbox[0])
    subscriptions.confirm(first)
    confirmed_at = Subscription.objects.get().confirmed_at

    subscriptions.subscribe("buyer@example.com", product, ["documents"], "en")
    change = token_of(mailoutbox[1])
    outcome, subscription = subscriptions.confirm(change)
    assert outcome == subscriptions.UPDATED
    stored = Subscription.objects.get()
    assert stored.kinds() == ["documents"]
    # Still the first confirmation: what the engine already told this address stays told.
    assert stored.confirmed_at == confirmed_at

    # The first link clicked again, and the change link clicked again, change nothing.
    assert subscriptions.confirm(first)[0] == subscriptions.ALREADY_CONFIRMED
    assert subscriptions.confirm(change)[0] == subscriptions.ALREADY_CONFIRMED
    assert Subscription.objects.get().kinds() == ["documents"]


def test_a_pending_subscription_takes_the_latest_request(product, mailoutbox):
    subscriptions.subscribe("buyer@example.com", product, ["lifecycle"], "en")
    subscriptions.subscribe("buyer@example.com", product, ["documents"], "de")
    stored = Subscription.objects.get()
    assert (stored.kinds(), stored.language, stored.confirmed_at) == (["documents"], "de", None)
    assert subscriptions.confirm(token_of(mailoutbox[1]))[0] == subscriptions.CONFIRMED
    assert Subscription.objects.get().kinds() == ["documents"]


def test_confirming_after_the_pending_row_was_removed_subscribes_again(product, mailoutbox):
    subscriptions.subscribe("buyer@example.com", product, ["lifecycle"], "en")
    Subscription.objects.all().delete()
    outcome, subscription = subscriptions.confirm(token_of(mailoutbox[0]))
    assert outcome == subscriptions.CONFIRMED
    assert (subscription.email, subscription.product, subscription.kinds()) == (
        "buyer@example.com",
        product,
        ["lifecycle"],
    )
    assert subscription.confirmed_at is not None


def test_kinds_must_be_offered(product, settings):
    settings.PIM_PUBLIC_PRICES = False
    with pytest.raises(ValueError):
        subscriptions.subscribe("buyer@example.com", product, [], "en")
    with pytest.raises(ValueError):
        subscriptions.subscribe("buyer@example.com", product, ["prices"], "en")
    settings.PIM_PUBLIC_PRICES = True
    subscriptions.subscribe("buyer@example.com", product, ["prices"], "en")
    assert Subscription.objects.get().kinds() == ["prices"]


def test_series_subscription(series, mailoutbox):
    subscriptions.subscribe("buyer@example.com", series, ["documents"], "en")
    stored = Subscription.objects.get()
    assert (stored.product, stored.product_model) == (None, series)
    assert "Ball valve BV (BV)" in mailoutbox[0].body
    assert "/series/BV/" in mailoutbox[0].body
    assert subscriptions.confirm(token_of(mailoutbox[0]))[0] == subscriptions.CONFIRMED


def test_only_public_products_and_live_series_with_public_variants_are_targets(family, product, series):
    assert subscriptions.public_target(product="KH-1") == product
    assert subscriptions.public_target(product="kh1") == product  # loose, like the page URL
    assert subscriptions.public_target(series="BV") == series
    make_product(family, article_number="KH-DRAFT", lifecycle=Lifecycle.DRAFT)
    make_product(family, article_number="KH-OFF", live=False)
    hidden = ProductModel.objects.create(code="HID", name={"en": "Hidden"}, family=family, live=False)
    make_product(family, article_number="HID-1", product_model=hidden)
    empty = ProductModel.objects.create(code="EMPTY", name={"en": "Empty"}, family=family, live=True)
    make_product(family, article_number="EMPTY-1", product_model=empty, live=False)
    for kwargs in ({"product": "KH-DRAFT"}, {"product": "KH-OFF"}, {"product": "HID-1"}, {"series": "HID"},
                   {"series": "EMPTY"}, {"product": "NOPE"}, {}):  # fmt: skip
        assert subscriptions.public_target(**kwargs) is None, kwargs


def test_a_refused_mail_is_reported(product, settings):
    settings.EMAIL_BACKEND = "tests.inquiries.test_subscriptions.RefusingBackend"
    with pytest.raises(subscriptions.NoticeMailError):
        subscriptions.subscribe("buyer@example.com", product, ["lifecycle"], "en")


def test_unsubscribe_ends_the_subscription_once(product):
    subscription = Subscription.objects.create(
        email="buyer@example.com", product=product, language="en", confirmed_at=timezone.now()
    )
    other = Subscription.objects.create(email="other@example.com", product=product, language="en")
    token = subscriptions.unsubscribe_token(subscription)
    assert subscriptions.subscription_to_end(token) == subscription
    assert subscriptions.unsubscribe(token) == subscription
    assert list(Subscription.objects.all()) == [other]
    assert subscriptions.unsubscribe(token) is None
    with pytest.raises(subscriptions.LinkInvalid):
        subscriptions.unsubscribe(token[:-2])
    with pytest.raises(subscriptions.LinkInvalid):
        subscriptions.unsubscribe(signing.dumps({"s": other.pk, "e": other.email}, salt="another purpose"))


def test_unsubscribe_links_do_not_expire(product, settings):
    settings.PIM_NOTICE_CONFIRM_DAYS = 1
    subscription = Subscription.objects.create(email="buyer@example.com", product=product, language="en")
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 400 * 24 * 3600):
        token = subscriptions.unsubscribe_token(subscription)
    assert subscriptions.unsubscribe(token) == subscription


def test_manage_lists_and_removes_only_that_addresses_subscriptions(product, series):
    mine = [
        Subscription.objects.create(email="buyer@example.com", product=product, language="en"),
        Subscription.objects.create(email="buyer@example.com", product_model=series, language="en"),
    ]
    theirs = Subscription.objects.create(email="other@example.com", product=product, language="en")
    email = subscriptions.manage_email(subscriptions.manage_token("Buyer@Example.com"))
    assert email == "buyer@example.com"
    assert list(subscriptions.subscriptions_of(email)) == mine

    assert subscriptions.remove(email, [theirs.pk]) == 0
    assert subscriptions.remove(email, [mine[0].pk, theirs.pk]) == 1
    assert set(Subscription.objects.all()) == {mine[1], theirs}
    assert (
        subscriptions.remove(email, subscriptions.subscriptions_of(email).values_list("pk", flat=True)) == 1
    )
    assert list(Subscription.objects.all()) == [theirs]


def test_manage_links_expire(settings):
    settings.PIM_NOTICE_CONFIRM_DAYS = 1
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 2 * 24 * 3600):
        token = subscriptions.manage_token("buyer@example.com")
    with pytest.raises(subscriptions.LinkExpired):
        subscriptions.manage_email(token)


def test_the_manage_link_is_mailed_only_to_addresses_with_subscriptions(product, mailoutbox):
    assert subscriptions.send_manage_link("nobody@example.com", "en") is False
    Subscription.objects.create(email="buyer@example.com", product=product, language="en")
    assert subscriptions.send_manage_link("BUYER@example.com", "de") is True
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["buyer@example.com"]
    link = mail_link(mailoutbox[0], "cms:notice_manage", "de")
    assert link.startswith("/de/")
    assert subscriptions.manage_email(link_token(link)) == "buyer@example.com"


def test_expired_pending_subscriptions_are_forgotten(product, family, settings):
    settings.PIM_NOTICE_CONFIRM_DAYS = 7
    other = make_product(family, article_number="KH-2")
    old = timezone.now() - timedelta(days=8)
    Subscription.objects.create(email="a@example.com", product=product, language="en", created_at=old)
    kept = [
        Subscription.objects.create(email="b@example.com", product=product, language="en"),
        Subscription.objects.create(
            email="c@example.com", product=other, language="en", created_at=old, confirmed_at=old
        ),
    ]
    assert subscriptions.forget_unconfirmed() == 1
    assert set(Subscription.objects.all()) == set(kept)

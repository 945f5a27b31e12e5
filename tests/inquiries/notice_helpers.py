"""Builders shared by the notice engine's tests: confirmed subscriptions and published edits."""

import re
from io import BytesIO

from django.core import signing
from django.urls import reverse
from django.utils import timezone, translation

from pim.assets import samples
from pim.catalog.models import ProductModel
from pim.inquiries.models import Subscription
from pim.inquiries.subscriptions import UNSUBSCRIBE_SALT


def subscribe(email, target, *, language="en", confirmed=True, **kinds) -> Subscription:
    """A subscription to a product or a series, confirmed now unless ``confirmed`` is False
    (saving it confirmed records the baseline, as the confirm link does)."""
    field = "product_model" if isinstance(target, ProductModel) else "product"
    return Subscription.objects.create(
        email=email,
        language=language,
        confirmed_at=timezone.now() if confirmed else None,
        **{field: target},
        **kinds,
    )


def publish(product, **changes):
    """Edit the product and publish the edit, as the admin's "Publish" does."""
    for name, value in changes.items():
        setattr(product, name, value)
    product.save_revision().publish()
    return product


def pdf(title: str) -> BytesIO:
    return BytesIO(samples.simple_pdf(title, [title]))


def unsubscribe_targets(text: str) -> list[int]:
    """The subscription ids of the unsubscribe links in a message (links are signed with a
    timestamp, so they are compared by what they unsubscribe, not as text)."""
    return [
        signing.loads(token, salt=UNSUBSCRIBE_SALT)["s"]
        for token in re.findall(r"/notices/unsubscribe/([^/\s\"]+)/", text)
    ]


def mail_link(message, url_name: str, language: str = "en") -> str:
    """The path of the first ``url_name`` link (a route with a ``token``) in a mail's text, in
    ``language``: path words are translated (``/de/mitteilungen/bestaetigen/…``)."""
    with translation.override(language):
        prefix = reverse(url_name, kwargs={"token": "TOKEN"}).split("TOKEN")[0]
    for line in message.body.splitlines():
        if prefix in line:
            return line[line.index(prefix) :].split()[0]
    raise AssertionError(f"no {prefix} link in:\n{message.body}")


def link_token(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[1]

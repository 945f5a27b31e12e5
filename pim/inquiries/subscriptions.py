"""Change-notice subscriptions without an account: subscribing with double opt-in, the signed
links for confirming, unsubscribing and the page that lists an address's subscriptions.

Links are absolute (``PIM_PUBLIC_BASE_URL``), in the subscriber's language, and carry a
token signed with the secret key (``django.core.signing``, one salt per purpose): the opt-in
link expires after ``PIM_NOTICE_CONFIRM_DAYS``; unsubscribe links never expire (every sent
message must stay unsubscribable); a manage link expires like the opt-in link.

Nobody changes a subscription without the mailbox: :func:`subscribe` writes only a pending
(unconfirmed) row. When the address already has a confirmed subscription for the same
product or series, that row stays exactly as it is; the requested kinds travel in the signed
opt-in link and replace the old ones only when that link is confirmed. The link also carries
the kinds it expects to replace, so a second click, or an older link clicked after a newer
one, changes nothing ("already confirmed").
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _

from pim.catalog.configurator import configurable_series
from pim.catalog.localization import localize
from pim.catalog.models import Product, ProductModel

from .models import NoticeKind, Subscription

logger = logging.getLogger(__name__)

CONFIRM_SALT = "pim.inquiries.notices.confirm"
UNSUBSCRIBE_SALT = "pim.inquiries.notices.unsubscribe"
MANAGE_SALT = "pim.inquiries.notices.manage"
UNSUBSCRIBE_ALL_SALT = "pim.inquiries.notices.unsubscribe-all"
# Real tokens are a few hundred characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 1000

Target = Product | ProductModel


class NoticeLinkError(Exception):
    """A signed link that cannot be used; the message says why and what to do instead."""

    def __init__(self, message: str, target: Target | None = None):
        super().__init__(message)
        self.target = target


class LinkExpired(NoticeLinkError):
    """A genuine link that is older than it may be (``target``: what it was about, if known)."""

    payload = None


class LinkInvalid(NoticeLinkError):
    """A link that was cut, altered or never made by this site."""


class NoticeMailError(Exception):
    """The mail could not be handed to the mail server; nothing was promised to the visitor."""


# --- absolute links -----------------------------------------------------------------------------------
def absolute_url(url_name: str, language: str, **kwargs) -> str:
    """A public URL of this site in ``language`` (path words are translated), made absolute."""
    with translation.override(language):
        path = reverse(url_name, kwargs=kwargs)
    return settings.PIM_PUBLIC_BASE_URL.rstrip("/") + path


def unsubscribe_token(subscription) -> str:
    """The signed token of :func:`unsubscribe_url` (never expires)."""
    return signing.dumps({"s": subscription.pk, "e": subscription.email}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(subscription) -> str:
    """One click ends this subscription (the link of every message about it)."""
    return absolute_url(
        "cms:notice_unsubscribe", subscription.language, token=unsubscribe_token(subscription)
    )


def unsubscribe_all_url(email: str, language: str) -> str:
    """One click ends every subscription of ``email``: the ``List-Unsubscribe`` link of a digest,
    which is one message about all of them (never expires)."""
    token = signing.dumps({"e": normalize_email(email)}, salt=UNSUBSCRIBE_ALL_SALT)
    return absolute_url("cms:notice_unsubscribe_all", language, token=token)


def manage_token(email: str) -> str:
    """The signed token of :func:`manage_url` (expires after ``PIM_NOTICE_CONFIRM_DAYS``)."""
    return signing.dumps({"e": email.strip().lower()}, salt=MANAGE_SALT)


def manage_url(email: str, language: str) -> str:
    """The page that lists and removes every subscription of ``email``."""
    return absolute_url("cms:notice_manage", language, token=manage_token(email))


def _link_lifetime() -> str:
    days = settings.PIM_NOTICE_CONFIRM_DAYS
    return ngettext("Links work for %(days)s day.", "Links work for %(days)s days.", days) % {"days": days}


def _digest_rhythm() -> str:
    hours = max(1, round(settings.PIM_NOTICE_DIGEST_HOURS))  # whole hours read better
    if hours == 24:
        return gettext("Changes are collected and sent at most once a day.")
    return ngettext(
        "Changes are collected and sent at most once an hour.",
        "Changes are collected and sent at most once every %(hours)s hours.",
        hours,
    ) % {"hours": hours}


# Lazy: translated where rendered (a mail in the subscriber's language, a page in the visitor's).
link_lifetime = lazy(_link_lifetime, str)
link_lifetime.__doc__ = """The sentence "Links work for N days." (opt-in and manage links)."""
digest_rhythm = lazy(_digest_rhythm, str)
digest_rhythm.__doc__ = """How often digests go out (``PIM_NOTICE_DIGEST_HOURS``), as one sentence."""


def _link_max_age() -> int:
    return max(1, settings.PIM_NOTICE_CONFIRM_DAYS) * 24 * 3600


def _load(token: str, salt: str, max_age: int | None) -> dict:
    """The payload of a token; raises :class:`LinkExpired` (with the payload) or :class:`LinkInvalid`."""
    invalid = LinkInvalid(_("This link is not valid. It may have been cut or changed when it was copied."))
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise invalid
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        expired = LinkExpired(_("This link has expired."))
        expired.payload = signing.loads(token, salt=salt)
        raise expired from None
    except signing.BadSignature:
        raise invalid from None
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), str):
        raise invalid
    return payload


# --- targets ------------------------------------------------------------------------------------------
def public_target(*, product: str = "", series: str = "") -> Target | None:
    """What a visitor may subscribe to: the publicly visible product with this article number,
    or the live series with this code that has a publicly visible variant; else None."""
    if any(ord(char) < 32 for char in product + series):
        return None  # in no article number or code (and PostgreSQL refuses NUL in a query)
    if product:
        return Product.objects.publicly_visible().by_article_number(product).first()
    if series:
        return configurable_series().filter(code=series).first()
    return None


def target_of(subscription: Subscription) -> Target:
    """The product or the series of a subscription."""
    return subscription.product if subscription.product_id else subscription.product_model


def is_public(target: Target) -> bool:
    """Whether ``target`` is in the public catalog now (its page exists)."""
    if isinstance(target, Product):
        return target.is_publicly_visible()
    return configurable_series().filter(pk=target.pk).exists()


def target_name(target: Target, language: str | None = None) -> str:
    """How a page or mail names a product ("name (article number)") or a series."""
    if isinstance(target, Product):
        name = target.display_name(language)
        return f"{name} ({target.article_number})" if name else target.article_number
    name = localize(target.name, language)
    return f"{name} ({target.code})" if name else target.code


def target_url(target: Target, language: str) -> str:
    """The absolute URL of the target's public page in ``language``."""
    if isinstance(target, Product):
        return absolute_url("cms:product", language, article_number=target.article_number)
    return absolute_url("cms:series", language, code=target.code)


def _target_filter(target: Target) -> dict:
    if isinstance(target, Product):
        return {"product": target}
    return {"product_model": target}


# --- kinds --------------------------------------------------------------------------------------------
def offered_kinds() -> list[str]:
    """The kinds a visitor may choose: prices only when the site shows prices."""
    return [kind for kind in NoticeKind.values if kind != NoticeKind.PRICES or settings.PIM_PUBLIC_PRICES]


def kind_labels(kinds) -> list:
    """The labels of ``kinds`` in the order of :class:`NoticeKind`, lazy: they are translated
    where they are rendered (a mail in the subscriber's language, a page in the visitor's)."""
    labels = dict(NoticeKind.choices)
    return [labels[kind] for kind in NoticeKind.values if kind in kinds]


def _clean_kinds(kinds) -> list[str]:
    chosen = set(kinds)
    unknown = chosen - set(offered_kinds())
    if unknown or not chosen:
        raise ValueError(f"kinds must be a non-empty subset of {offered_kinds()}, not {sorted(chosen)}")
    return [kind for kind in NoticeKind.values if kind in chosen]


def _set_kinds(subscription: Subscription, kinds) -> None:
    for kind in NoticeKind.values:
        setattr(subscription, kind, kind in kinds)


# --- subscribe and confirm ----------------------------------------------------------------------------
def confirm_token(email: str, target: Target, kinds, language: str, replaces) -> str:
    """The signed opt-in token: who, what, which kinds, and the confirmed kinds it replaces
    (None for a new subscription)."""
    payload = {
        "e": email,
        "p": target.pk if isinstance(target, Product) else None,
        "m": target.pk if isinstance(target, ProductModel) else None,
        "k": list(kinds),
        "l": language,
        "r": list(replaces) if replaces is not None else None,
    }
    return signing.dumps(payload, salt=CONFIRM_SALT, compress=True)


def normalize_email(email: str) -> str:
    """Addresses are stored and compared stripped and lower-cased."""
    return email.strip().lower()


def subscribe(email: str, target: Target, kinds, language: str) -> Subscription:
    """Ask ``email`` to confirm notices about ``target`` (a public product or series) of
    ``kinds``, in ``language``: writes or refreshes a pending subscription, or leaves a
    confirmed one untouched (the new kinds apply once the link is confirmed), and sends the
    opt-in mail. Raises :class:`NoticeMailError` when the mail could not be sent."""
    email = normalize_email(email)
    kinds = _clean_kinds(kinds)
    forget_unconfirmed()
    subscription = _pending_or_confirmed(email, target, kinds, language)
    replaces = subscription.kinds() if subscription.confirmed_at else None
    token = confirm_token(email, target, kinds, language, replaces)
    _send(
        "subscription_confirm",
        email,
        language,
        {
            "target_name": target_name(target, language),
            "target_url": target_url(target, language),
            "kinds": kind_labels(kinds),
            "confirm_url": absolute_url("cms:notice_confirm", language, token=token),
            "lifetime": link_lifetime(),
            "rhythm": digest_rhythm(),
            "changes_existing": replaces is not None,
        },
    )
    return subscription


def _pending_or_confirmed(email, target, kinds, language) -> Subscription:
    lookup = {"email": email, **_target_filter(target)}
    for _attempt in range(2):
        subscription = Subscription.objects.filter(**lookup).first()
        if subscription is not None and subscription.confirmed_at is not None:
            return subscription
        if subscription is None:
            subscription = Subscription(**lookup)
        _set_kinds(subscription, kinds)
        subscription.language = language
        subscription.created_at = timezone.now()
        try:
            with transaction.atomic():
                subscription.save()
            return subscription
        except IntegrityError:
            continue  # the same request twice at once: the other one created the row
    raise IntegrityError(f"could not store the subscription of {email} to {target}")


@dataclass
class Confirmation:
    """What an opt-in link asks for, and whether confirming it would change anything."""

    email: str
    target: Target
    kinds: list[str]
    language: str
    replaces: list[str] | None
    subscription: Subscription | None

    @property
    def already_done(self) -> bool:
        """Confirming changes nothing: the subscription is confirmed and either has this
        link's kinds already or changed since the link was made (a second click, an older link)."""
        current = self.subscription
        if current is None or current.confirmed_at is None:
            return False
        return current.kinds() != self.replaces or current.kinds() == self.kinds


def read_confirmation(token: str) -> Confirmation:
    """The request behind an opt-in link. Raises :class:`LinkExpired` (with the target, so the
    page can offer to subscribe again) or :class:`LinkInvalid`."""
    try:
        payload = _load(token, CONFIRM_SALT, _link_max_age())
    except LinkExpired as expired:
        expired.target = _payload_target(expired.payload)
        expired.args = (
            _("This confirmation link has expired, so nothing was changed.")
            + " "
            + link_lifetime()
            + " "
            + _("Subscribe again and confirm the new link."),
        )
        raise
    target = _payload_target(payload)
    kinds = payload.get("k")
    if target is None:
        raise LinkInvalid(_("The product or series of this link is no longer in the catalog."))
    if not isinstance(kinds, list) or not kinds or not set(kinds) <= set(NoticeKind.values):
        raise LinkInvalid(_("This link is not valid. It may have been cut or changed when it was copied."))
    email = normalize_email(payload["e"])
    return Confirmation(
        email=email,
        target=target,
        kinds=kinds,
        language=payload.get("l") or settings.LANGUAGE_CODE,
        replaces=payload.get("r"),
        subscription=Subscription.objects.filter(email=email, **_target_filter(target)).first(),
    )


def _payload_target(payload) -> Target | None:
    if not isinstance(payload, dict):
        return None
    if isinstance(payload.get("p"), int):
        return Product.objects.filter(pk=payload["p"]).first()
    if isinstance(payload.get("m"), int):
        return ProductModel.objects.filter(pk=payload["m"]).first()
    return None


CONFIRMED = "confirmed"
UPDATED = "updated"
ALREADY_CONFIRMED = "already_confirmed"


def confirm(token: str) -> tuple[str, Subscription]:
    """Confirm an opt-in link: ``(CONFIRMED | UPDATED | ALREADY_CONFIRMED, subscription)``.
    Idempotent; a pending row that was cleaned up meanwhile is created again (the mailbox
    asked for it). Raises :class:`LinkExpired` or :class:`LinkInvalid`."""
    try:
        return _confirm(token)
    except IntegrityError:
        return _confirm(token)  # a click at the same moment created the row: read it again


def _confirm(token: str) -> tuple[str, Subscription]:
    with transaction.atomic():
        confirmation = read_confirmation(token)
        subscription = confirmation.subscription
        if subscription is not None:
            # Re-read under the write lock: two clicks at once must not both "confirm".
            subscription = Subscription.objects.select_for_update().filter(pk=subscription.pk).first()
            confirmation.subscription = subscription
        if confirmation.already_done:
            return ALREADY_CONFIRMED, subscription
        outcome = UPDATED if subscription is not None and subscription.confirmed_at else CONFIRMED
        if subscription is None:
            subscription = Subscription(email=confirmation.email, **_target_filter(confirmation.target))
        _set_kinds(subscription, confirmation.kinds)
        subscription.language = confirmation.language
        if subscription.confirmed_at is None:
            subscription.confirmed_at = timezone.now()
        subscription.save()
    return outcome, subscription


def forget_unconfirmed() -> int:
    """Delete pending subscriptions whose opt-in link has expired (they never counted)."""
    cutoff = timezone.now() - timedelta(seconds=_link_max_age())
    deleted, _by_model = Subscription.objects.filter(
        confirmed_at__isnull=True, created_at__lt=cutoff
    ).delete()
    return deleted


# --- unsubscribe --------------------------------------------------------------------------------------
def subscription_to_end(token: str) -> Subscription | None:
    """The subscription an unsubscribe link ends, or None when it is already gone. Raises
    :class:`LinkInvalid` for a link this site did not make."""
    payload = _load(token, UNSUBSCRIBE_SALT, None)
    if not isinstance(payload.get("s"), int):
        raise LinkInvalid(_("This link is not valid. It may have been cut or changed when it was copied."))
    return (
        Subscription.objects.filter(pk=payload["s"], email=payload["e"])
        .select_related("product", "product_model")
        .first()
    )


def unsubscribe(token: str) -> Subscription | None:
    """End the subscription of an unsubscribe link; returns it (no longer stored), or None
    when there was nothing to end."""
    subscription = subscription_to_end(token)
    if subscription is None:
        return None
    Subscription.objects.filter(pk=subscription.pk).delete()
    return subscription


def email_to_unsubscribe(token: str) -> str:
    """The address an unsubscribe-all link is for. Raises :class:`LinkInvalid`."""
    return normalize_email(_load(token, UNSUBSCRIBE_ALL_SALT, None)["e"])


def unsubscribe_all(email: str) -> int:
    """End every subscription of ``email``; how many there were."""
    deleted, _by_model = Subscription.objects.filter(email=normalize_email(email)).delete()
    return deleted


# --- manage -------------------------------------------------------------------------------------------
def manage_email(token: str) -> str:
    """The address a manage link is for. Raises :class:`LinkExpired` or :class:`LinkInvalid`."""
    try:
        return normalize_email(_load(token, MANAGE_SALT, _link_max_age())["e"])
    except LinkExpired as expired:
        expired.args = (_("This link has expired.") + " " + link_lifetime() + " " + _("Ask for a new one."),)
        raise


def subscriptions_of(email: str):
    """Every subscription of ``email``, confirmed and pending, with its product or series."""
    return (
        Subscription.objects.filter(email=normalize_email(email))
        .select_related("product__product_model", "product_model")
        .order_by("created_at", "pk")
    )


def remove(email: str, subscription_ids) -> int:
    """Delete the subscriptions of ``email`` among ``subscription_ids`` (others' are untouched)."""
    deleted, _by_model = subscriptions_of(email).filter(pk__in=list(subscription_ids)).delete()
    return deleted


def send_manage_link(email: str, language: str) -> bool:
    """Mail the manage link to ``email`` if it has subscriptions (nothing else reaches a
    mailbox that never subscribed). Raises :class:`NoticeMailError`."""
    email = normalize_email(email)
    count = Subscription.objects.filter(email=email).count()
    if not count:
        return False
    _send(
        "subscription_manage",
        email,
        language,
        {"manage_url": manage_url(email, language), "lifetime": link_lifetime(), "count": count},
    )
    return True


# --- mail ---------------------------------------------------------------------------------------------
def _send(template: str, email: str, language: str, context: dict) -> None:
    with translation.override(language):
        subject = " ".join(render_to_string(f"inquiries/email/{template}_subject.txt", context).split())
        body = render_to_string(f"inquiries/email/{template}.txt", context)
    message = EmailMessage(
        subject, body, settings.DEFAULT_FROM_EMAIL, [email], headers={"Auto-Submitted": "auto-generated"}
    )
    try:
        message.send()
    except Exception as error:
        logger.exception("Could not send the %s mail", template)
        raise NoticeMailError(str(error)) from error

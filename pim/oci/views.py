"""The OCI 4.0 punch-out: the entry call, the catalog pages inside the session, the cart and
the transfer form that posts the cart back to the buyer's HOOK_URL.

Every page after the entry call carries the signed session token (``pim.oci.session``); no
cookie is set. Only publicly visible products are ever shown, found or transferred. Pages of a
session allow the HOOK_URL's origin as ``form-action`` (the transfer form posts there) and as
``frame-ancestors`` (SAP SRM frames the catalog), and only they drop X-Frame-Options."""

import re
from decimal import Decimal
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, get_language_from_request
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from pim.catalog.commercial import order_unit_label
from pim.catalog.models import Product
from pim.catalog.trade import plain_decimal
from pim.failures import FailureCounter
from pim.inquiries.selection import SelectionError, format_quantity, parse_quantity, valid_quantities_near
from pim.search.backends import search
from pim.search.params import filter_key, query_from_params
from pim.search.query import SearchQuery, SearchQueryError

from .models import OciCustomer, hook_origin
from .session import MAX_LINES, OciSession, SessionInvalid
from .transfer import TransferLine, external_id, price_for, transfer_fields

PAGE_SIZE = 20
BACKGROUND_SEARCH_HITS = 50
# A frame name as HTML allows it for form targets; anything else falls back to _top.
TARGET_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


# --- helpers ------------------------------------------------------------------------------


def _refused(request, message: str, status: int = 403):
    """A page that says why the punch-out cannot go on; no token, no cookie."""
    return render(request, "oci/refused.html", {"message": message}, status=status)


def _entry_params(request) -> dict[str, str]:
    """The entry call's fields by upper-case name (SAP sends ``~OkCode``, others ``~OKCODE``);
    POST wins over the query string, since SAP may send either or both."""
    merged = {}
    for source in (request.GET, request.POST):
        for key in source:
            merged[key.upper()] = source.get(key, "").strip()
    return merged


# Wrong USERNAME/PASSWORD pairs per client address and window, before the entry call answers 429.
_WRONG_LOGINS = FailureCounter(
    "oci-login",
    limit=lambda: settings.PIM_OCI_LOGIN_MAX_FAILURES,
    window=lambda: settings.PIM_OCI_LOGIN_FAILURE_WINDOW_SECONDS,
)


def authenticate(username: str, password: str) -> OciCustomer | None:
    """The active customer with this USERNAME and PASSWORD, else None."""
    customer = OciCustomer.objects.filter(username=username, active=True).first() if username else None
    if customer is None:
        make_password(password)  # as long as a real check, so a wrong USERNAME cannot be told apart
        return None
    return customer if customer.check_password(password) else None


def _visible_products(ids) -> dict[int, Product]:
    products = (
        Product.objects.publicly_visible()
        .filter(pk__in=list(ids))
        .select_related("family", "product_model", "product_model__family")
        .prefetch_related("prices", "categories", "product_model__categories")
    )
    return {product.pk: product for product in products}


def find_product(product_id: str) -> Product | None:
    """The publicly visible product a PRODUCTID names (EXT_PRODUCT_ID: article number or ``#<id>``)."""
    product_id = (product_id or "").strip()
    visible = Product.objects.publicly_visible()
    if re.fullmatch(r"#\d{1,18}", product_id):
        found = visible.filter(pk=int(product_id[1:])).values_list("pk", flat=True).first()
    else:
        found = (
            visible.by_article_number(product_id).values_list("pk", flat=True).first() if product_id else None
        )
    return _visible_products([found]).get(found) if found else None


def _line(product, quantity: Decimal, customer) -> TransferLine:
    return TransferLine(product=product, quantity=quantity, price=price_for(product, customer, quantity))


def _default_quantity(product) -> Decimal:
    minimum = product.min_order_quantity
    return Decimal(plain_decimal(minimum)) if minimum and minimum > 0 else Decimal(1)


def quantity_problem(product, quantity: Decimal) -> str | None:
    """Why ``quantity`` of ``product`` cannot be ordered, naming the orderable ones; else None."""
    near = valid_quantities_near(quantity, product.min_order_quantity, product.order_quantity_step)
    if not near:
        return None
    choices = [format_quantity(value) for value in near]
    if len(choices) == 2:
        choices = [_("%(lower)s or %(upper)s") % {"lower": choices[0], "upper": choices[1]}]
    return _(
        "%(number)s: %(quantity)s %(unit)s cannot be ordered (minimum %(minimum)s, in steps of %(step)s). "
        "Enter %(choices)s."
    ) % {
        "number": product.article_number,
        "quantity": format_quantity(quantity),
        "unit": order_unit_label(product.order_unit),
        "minimum": format_quantity(product.min_order_quantity),
        "step": format_quantity(product.order_quantity_step),
        "choices": choices[0],
    }


def _allow_hook(response, hook_url: str):
    # Only this response may post to the HOOK_URL's origin and be framed by it (django-csp
    # reads _csp_update as its csp_update decorator sets it; the value is per request here).
    origin = hook_origin(hook_url)
    response._csp_update = {"form-action": [origin], "frame-ancestors": [origin]}
    response.xframe_options_exempt = True
    # A procurement system that opens the catalog in a window of its own may name one of its
    # frames as ~TARGET; COOP same-origin (the site's default) would cut that window off.
    response["Cross-Origin-Opener-Policy"] = "unsafe-none"
    return response


def _open(request) -> tuple[OciSession, OciCustomer]:
    source = request.POST if request.method == "POST" else request.GET
    session = OciSession.from_token(source.get("s", ""))
    customer = OciCustomer.objects.filter(pk=session.customer_id, active=True).first()
    if customer is None or not customer.allows_hook_url(session.hook_url):
        raise SessionInvalid
    return session, customer


def oci_page(view):
    """A page inside an OCI session: ``view(request, session, customer, ...)``. Without a
    valid token the answer is a 403 page. The token is the credential, not a cookie, so the
    forms need no CSRF cookie (which a cross-site frame would not send)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            session, customer = _open(request)
        except SessionInvalid:
            return _refused(
                request,
                _(
                    "This OCI session has expired or its link is incomplete. Open the catalog again from "
                    "your procurement system."
                ),
            )
        return _allow_hook(view(request, session, customer, *args, **kwargs), session.hook_url)

    return csrf_exempt(wrapped)


def in_buyers_language(view):
    """Render in the language of the buyer's browser (Accept-Language). /oci/ sits outside the
    language prefixes, where Django's LocaleMiddleware always picks the default language; a
    procurement system has one URL for every buyer."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        language = get_language_from_request(request)
        with translation.override(language):
            response = view(request, *args, **kwargs)
        response["Content-Language"] = language
        patch_vary_headers(response, ["Accept-Language"])
        return response

    return wrapped


def _url(name: str, session: OciSession, *args, **params) -> str:
    return f"{reverse(name, args=args)}?{urlencode({**params, 's': session.token()})}"


def _transfer_page(request, session, customer, lines, *, automatic: bool, status: int = 200):
    """The form that posts ``lines`` to the HOOK_URL; ``automatic``: a script submits it at once."""
    context = {
        "session": session,
        "token": session.token(),
        "customer": customer,
        "lines": lines,
        "fields": transfer_fields(lines, customer),
        "automatic": automatic,
        "cart_count": len(session.lines),
    }
    return _allow_hook(render(request, "oci/transfer.html", context, status=status), session.hook_url)


# --- entry --------------------------------------------------------------------------------


@csrf_exempt
@require_http_methods(["GET", "POST"])
@in_buyers_language
def entry(request):
    """``/oci/``: SAP's entry call (GET or POST) with USERNAME, PASSWORD, HOOK_URL, ``~TARGET``,
    ``~OkCode``, ``~CALLER`` and FUNCTION (none: browse; VALIDATE and DETAIL with PRODUCTID and
    QUANTITY; BACKGROUND_SEARCH with SEARCHSTRING)."""
    params = _entry_params(request)
    wait = _WRONG_LOGINS.locked_out(request)
    if wait is not None:
        response = _refused(
            request,
            _("Too many wrong logins from this address; try again in %(seconds)s seconds.")
            % {"seconds": wait},
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response
    customer = authenticate(params.get("USERNAME", ""), params.get("PASSWORD", ""))
    if customer is None:
        _WRONG_LOGINS.count(request)
        return _refused(
            request,
            _(
                "The catalog refused the login: USERNAME or PASSWORD is wrong, or the customer is inactive. "
                "Check the catalog's login parameters in your procurement system."
            ),
        )
    hook_url = params.get("HOOK_URL", "")
    if not hook_url:
        return _refused(
            request, _("The OCI call has no HOOK_URL: the catalog would not know where to send the cart.")
        )
    if not customer.allows_hook_url(hook_url):
        return _refused(
            request,
            _("HOOK_URL %(url)s is not allowed for this customer; ask the catalog's administrator to add it.")
            % {"url": hook_url[:200]},
        )
    target = params.get("~TARGET", "")
    session = OciSession(
        customer_id=customer.pk,
        hook_url=hook_url,
        target=target if TARGET_NAME.match(target) else "_top",
        ok_code=params.get("~OKCODE", "")[:20] or "ADDI",
    )
    function = params.get("FUNCTION", "").upper()
    if not function:
        return redirect(_url("oci:catalog", session), permanent=False)
    if function in ("VALIDATE", "DETAIL"):
        product = find_product(params.get("PRODUCTID", ""))
        if product is None:
            return _allow_hook(
                _refused(
                    request,
                    _("The product %(id)s is not available.") % {"id": params.get("PRODUCTID", "")[:64]},
                    status=404,
                ),
                hook_url,
            )
        if function == "DETAIL":
            return redirect(_url("oci:product", session, external_id(product)))
        quantity = _entry_quantity(params.get("QUANTITY", ""), product)
        return _transfer_page(
            request, session, customer, [_line(product, quantity, customer)], automatic=True
        )
    if function == "BACKGROUND_SEARCH":
        return _background_search(request, session, customer, params.get("SEARCHSTRING", ""))
    return _refused(
        request,
        _("FUNCTION %(function)s is not supported; use VALIDATE, DETAIL, BACKGROUND_SEARCH or none.")
        % {"function": function[:40]},
        status=400,
    )


def _entry_quantity(text: str, product) -> Decimal:
    # VALIDATE re-reads a line SAP holds: its quantity stands when orderable, else the next
    # orderable one above it (never less than asked), else the product's default.
    try:
        quantity = parse_quantity(text) if text else _default_quantity(product)
    except SelectionError:
        return _default_quantity(product)
    near = valid_quantities_near(quantity, product.min_order_quantity, product.order_quantity_step)
    return max(near) if near else quantity


def _background_search(request, session, customer, text: str):
    text = " ".join(text.split())
    lines = []
    if text:
        query = SearchQuery(
            text=text,
            language=get_language(),
            page_size=BACKGROUND_SEARCH_HITS,
            facets=False,
            suggestions=False,
        )
        try:
            ids = search(query).ids
        except SearchQueryError:
            ids = []
        products = _visible_products(ids)
        lines = [
            _line(products[pk], _default_quantity(products[pk]), customer) for pk in ids if pk in products
        ]
    return _transfer_page(request, session, customer, lines, automatic=True)


# --- catalog ------------------------------------------------------------------------------


def _facet_groups(result, params) -> list[dict]:
    """The facets as the filter form shows them, with the values the buyer entered."""
    groups = []
    for number, facet in enumerate(result.facets if result else [], start=1):
        if facet.kind in ("options", "boolean"):
            groups.append(
                {
                    "id": f"f{number}",
                    "label": facet.label,
                    "kind": "options",
                    "name": filter_key(facet.attribute),
                    "options": facet.options,
                }
            )
        elif facet.kind in ("number", "range"):
            groups.append(
                {
                    "id": f"f{number}",
                    "label": facet.label,
                    "kind": "number",
                    "unit": facet.unit,
                    "gte_name": filter_key(facet.attribute, "gte"),
                    "lte_name": filter_key(facet.attribute, "lte"),
                    "gte": params.get(filter_key(facet.attribute, "gte"), ""),
                    "lte": params.get(filter_key(facet.attribute, "lte"), ""),
                }
            )
    return groups


@require_GET
@in_buyers_language
@oci_page
def catalog(request, session, customer):
    """Search by article number or text and filter through the search contract."""
    params = request.GET.copy()
    params.pop("s", None)
    error, result, rows = "", None, []
    try:
        result = search(query_from_params(params, language=get_language(), page_size=PAGE_SIZE))
    except SearchQueryError as exc:
        error = exc.messages[0]
    if result is not None:
        products = _visible_products(result.ids)
        for pk in result.ids:
            if pk in products:
                product = products[pk]
                quantity = _default_quantity(product)
                rows.append(
                    {
                        "line": _line(product, quantity, customer),
                        "key": external_id(product),
                        "unit": order_unit_label(product.order_unit),
                    }
                )
    next_url = ""
    if result is not None and result.next_cursor:
        following = params.copy()
        following["cursor"] = result.next_cursor
        following["s"] = session.token()
        next_url = f"{reverse('oci:catalog')}?{following.urlencode()}"
    context = {
        "session": session,
        "token": session.token(),
        "customer": customer,
        "q": params.get("q", ""),
        "result": result,
        "rows": rows,
        "facets": _facet_groups(result, params),
        "error": error,
        "next_url": next_url,
        "cart_count": len(session.lines),
    }
    return render(request, "oci/catalog.html", context, status=400 if error else 200)


@require_GET
@in_buyers_language
@oci_page
def product_detail(request, session, customer, key):
    """DETAIL: one product's data inside the session, to look at and add to the cart."""
    product = find_product(key)
    if product is None:
        return _refused(request, _("The product %(id)s is not available.") % {"id": key[:64]}, status=404)
    quantity = _default_quantity(product)
    context = {
        "session": session,
        "token": session.token(),
        "customer": customer,
        "line": _line(product, quantity, customer),
        "product": product,
        "name": product.display_name(get_language()),
        "short_description": product.description("short_description", get_language()),
        "long_description": product.description("long_description", get_language()),
        "unit": order_unit_label(product.order_unit),
        "cart_count": len(session.lines),
    }
    return render(request, "oci/product.html", context)


# --- cart ---------------------------------------------------------------------------------


def _cart_page(request, session, customer, errors=(), status=200):
    products = _visible_products(session.product_ids())
    kept = session.keeping(products)
    lines = [_line(products[pid], quantity, customer) for pid, quantity in kept.lines]
    rows = [
        {
            "line": line,
            "unit": order_unit_label(line.product.order_unit),
            "problem": quantity_problem(line.product, line.quantity),
        }
        for line in lines
    ]
    context = {
        "session": kept,
        "token": kept.token(),
        "customer": customer,
        "rows": rows,
        "fields": transfer_fields(lines, customer),
        "errors": list(errors),
        "withdrawn": len(kept.lines) < len(session.lines),
        "unpriced": [line.product.article_number for line in lines if not line.has_price],
        "can_transfer": bool(lines) and not any(row["problem"] for row in rows),
        "cart_count": len(kept.lines),
    }
    return render(request, "oci/cart.html", context, status=status)


@require_http_methods(["GET", "POST"])
@in_buyers_language
@oci_page
def cart(request, session, customer):
    """The cart: GET shows it with the transfer form; POST adds (``add`` + ``quantity``),
    removes (``remove``) or changes quantities (``update`` with ``quantity-<product id>``)."""
    if request.method == "GET":
        return _cart_page(request, session, customer)
    try:
        changed = _change_cart(request.POST, session)
    except CartError as exc:
        return _cart_page(request, session, customer, errors=exc.args, status=400)
    return redirect(_url("oci:cart", changed), permanent=False)


class CartError(Exception):
    """A cart change refused; ``args`` are the messages."""


def _quantity(text: str, product) -> Decimal:
    try:
        quantity = parse_quantity(text)
    except SelectionError as exc:
        raise CartError(f"{product.article_number}: {exc}") from None
    problem = quantity_problem(product, quantity)
    if problem:
        raise CartError(problem)
    return quantity


def _change_cart(data, session: OciSession) -> OciSession:
    if data.get("remove"):
        try:
            return session.without(int(data["remove"]))
        except ValueError:
            raise CartError(_("The line to remove is unknown.")) from None
    if data.get("add"):
        try:
            product = _visible_products([int(data["add"])]).get(int(data["add"]))
        except ValueError:
            product = None
        if product is None:
            raise CartError(_("This product is not available."))
        known = session.quantity_of(product.pk)
        if known is None and len(session.lines) >= MAX_LINES:
            raise CartError(
                _("The cart holds at most %(count)d lines; transfer it first.") % {"count": MAX_LINES}
            )
        added = _quantity(data.get("quantity", ""), product)
        return session.with_quantity(product.pk, _quantity(str(added + (known or 0)), product))
    products = _visible_products(session.product_ids())
    errors, changed = [], session
    for pid in session.product_ids():
        text = data.get(f"quantity-{pid}")
        if pid in products and text is not None:  # a line added in another tab keeps its quantity
            try:
                changed = changed.with_quantity(pid, _quantity(text, products[pid]))
            except CartError as exc:
                errors.extend(exc.args)
    if errors:
        raise CartError(*errors)
    return changed

"""Endpoints of ``/api/v1/``: products, series, families, attributes, categories, assets,
channels; writing products (upsert, partial update, bulk).

Thin views: what a request may read is :mod:`pim.api.access`, parameters are
:mod:`pim.api.params`, paging is :mod:`pim.api.pagination`, the representations are
:mod:`pim.api.serializers`; writes go through the import's planner and committer
(:mod:`pim.api.writing`).
"""

from functools import cache

from csp.decorators import csp_update
from django.conf import settings
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import Http404
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from pim.assets.models import Asset
from pim.catalog.models import (
    Attribute,
    Family,
    FamilyAttribute,
    Product,
    ProductModelValue,
    ProductRelation,
    ProductValue,
    Unit,
)
from pim.catalog.values import family_attributes_in_display_order
from pim.exports.models import Channel, ExportRun, RunKind, RunStatus
from pim.search.backends import search as run_search
from pim.search.params import query_from_params
from pim.search.query import SearchQueryError

from . import access, params, writing
from .permissions import FullReadScope, WriteScopeForChanges
from .serializers import (
    AssetPage,
    AssetRecordSerializer,
    AttributeSerializer,
    CategorySerializer,
    ChannelSerializer,
    FacetSerializer,
    FamilySerializer,
    ProductPage,
    ProductSearchSerializer,
    ProductSerializer,
    SeriesSerializer,
)
from .write_serializers import (
    BulkRequestSerializer,
    BulkResponseSerializer,
    ProductWriteSerializer,
    WriteErrorsSerializer,
)

LANG_PARAMETER = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    enum=list(settings.PIM_LANGUAGES),
    description="Language of texts (a catalog language; default: the site's).",
)
FIELDS_PARAMETER = OpenApiParameter(
    "fields",
    OpenApiTypes.STR,
    description="Comma-separated names of the fields to return (sparse fieldset); unknown names are a 400.",
)
UPDATED_SINCE_PARAMETER = OpenApiParameter(
    "updated_since",
    OpenApiTypes.DATETIME,
    description="Only rows changed at or after this ISO 8601 moment (or date). Overlap your last sync by a "
    "few seconds: a change is stamped before its transaction commits.",
)
COMMON_PARAMETERS = [LANG_PARAMETER, FIELDS_PARAMETER]
PUBLISH_PARAMETER = OpenApiParameter(
    "publish",
    OpenApiTypes.BOOL,
    description="true: publish what was written (as the admin's Publish). Default false: a new product is "
    "a draft and a change to a published product a draft revision; the public sees neither until published.",
)
WRITE_ERRORS = {
    400: OpenApiResponse(
        WriteErrorsSerializer, description="Invalid values, one error per field; nothing written."
    ),
    401: OpenApiResponse(description="No token, or an unknown or revoked one."),
    403: OpenApiResponse(description="The token has no write scope."),
}
WRITE_ACTIONS = ("update", "partial_update", "bulk")
WRITE_DESCRIPTION = (
    "Validated by the same rules and with the same messages as the spreadsheet and BMEcat imports. Only the "
    "fields given are changed; null or an empty text clears one. The write is a revision attributed to the "
    "token's owner."
)
SEARCH_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Search text (words, article numbers)."),
    OpenApiParameter(
        "filter",
        OpenApiTypes.OBJECT,
        style="deepObject",
        explode=True,
        description="Filters as on the catalog page: filter[<attribute>]=<option code> (repeatable: any of), "
        "filter[<attribute>]=true|false, filter[<attribute>][gte|lte]=16 bar (any unit of the quantity, or "
        "a bare number in the display unit), filter[<attribute>][from|to]=… (a range covers the value).",
    ),
    OpenApiParameter("category", OpenApiTypes.STR, description="Category code: it and everything below it."),
    OpenApiParameter("family", OpenApiTypes.STR, many=True, description="Family codes (any of)."),
    OpenApiParameter("lifecycle", OpenApiTypes.STR, many=True, description="Lifecycle states (any of)."),
    OpenApiParameter(
        "downloads", OpenApiTypes.STR, many=True, description="Offers a download of these kinds."
    ),
    OpenApiParameter(
        "sort",
        OpenApiTypes.STR,
        description="relevance, article_number, name or attribute:<code>; “-” first: descending.",
    ),
    OpenApiParameter("cursor", OpenApiTypes.STR, description="From the previous page's “next” link."),
    OpenApiParameter("size", OpenApiTypes.INT, description="Products per page."),
]


def _value_rows(model):
    # In the order they were stored (a multiple choice keeps its order; PostgreSQL has no
    # order of its own).
    return model.objects.select_related("attribute", "option", "unit__quantity").order_by("pk")


class CatalogReadViewSet(viewsets.ReadOnlyModelViewSet):
    """Shared behaviour: ``?lang=`` (texts rendered in that language), ``?fields=``, lookup by
    code, keyset pages in ``keyset_ordering``."""

    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    keyset_ordering = ("pk",)
    filters_updated_since = False

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.language = params.language(request)
        visible_fields = self.serializer_class(
            context={"sees_unpublished": access.sees_unpublished(request)}
        ).fields
        self.fields = params.requested_fields(request, list(visible_fields))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context.update(
            language=getattr(self, "language", None),
            fields=getattr(self, "fields", None),
            sees_unpublished=access.sees_unpublished(self.request),
        )
        return context

    def filter_queryset(self, queryset):
        if self.filters_updated_since and self.action == "list":
            since = params.updated_since(self.request)
            if since is not None:
                queryset = queryset.filter(updated_at__gte=since)
        return queryset

    def list(self, request, *args, **kwargs):
        with translation.override(self.language):
            return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        with translation.override(self.language):
            return super().retrieve(request, *args, **kwargs)


@extend_schema_view(
    list=extend_schema(
        summary="List products",
        parameters=[*COMMON_PARAMETERS, UPDATED_SINCE_PARAMETER],
        description="Products in the order of their last change (then id): a sync reads every page, "
        "keeps the last moment it saw and starts there next time with updated_since.",
    ),
    search=extend_schema(
        summary="Search products with the catalog's filters and facets",
        parameters=[*SEARCH_PARAMETERS, *COMMON_PARAMETERS],
        responses=ProductSearchSerializer,
        description="The public catalog's search contract: the same filters, facets and order as the catalog "
        "pages. It covers publicly visible products whatever the token's scope (the search index holds only "
        "those); use the product list with a full-read token for drafts.",
    ),
    update=extend_schema(
        summary="Create or update a product (idempotent upsert by article number)",
        parameters=[PUBLISH_PARAMETER, *COMMON_PARAMETERS],
        request=ProductWriteSerializer,
        responses={
            200: OpenApiResponse(ProductSerializer, description="Updated, or unchanged (nothing to write)."),
            201: OpenApiResponse(ProductSerializer, description="Created (a draft unless publish=true)."),
            **WRITE_ERRORS,
        },
        description=WRITE_DESCRIPTION + " Sending the same body again changes nothing and makes no revision.",
    ),
    partial_update=extend_schema(
        summary="Update fields of an existing product",
        parameters=[PUBLISH_PARAMETER, *COMMON_PARAMETERS],
        request=ProductWriteSerializer,
        responses={
            200: OpenApiResponse(ProductSerializer, description="Updated, or unchanged."),
            **WRITE_ERRORS,
            404: OpenApiResponse(description="No product with this article number."),
        },
        description=WRITE_DESCRIPTION,
    ),
    bulk=extend_schema(
        summary="Create or update up to 1,000 products",
        parameters=[PUBLISH_PARAMETER],
        request=BulkRequestSerializer,
        responses={
            200: OpenApiResponse(BulkResponseSerializer, description="One result per item."),
            **WRITE_ERRORS,
            413: OpenApiResponse(
                WriteErrorsSerializer, description="More products than one request may carry."
            ),
        },
        description=WRITE_DESCRIPTION + " Each item is written in its own transaction: an invalid item is "
        "reported in its result and the others are written.",
    ),
    retrieve=extend_schema(
        summary="One product by article number",
        parameters=COMMON_PARAMETERS,
        description="The article number is compared ignoring case, spaces, dots, dashes, underscores and "
        "slashes.",
    ),
)
class ProductViewSet(CatalogReadViewSet):
    """Products. Anonymous and public-read requests see publicly visible products only."""

    serializer_class = ProductSerializer
    lookup_field = "article_number"
    keyset_ordering = ("updated_at", "pk")
    filters_updated_since = True
    permission_classes = [WriteScopeForChanges]

    def get_queryset(self):
        return (
            access.readable_products(self.request)
            .select_related("family", "product_model", "successor")
            .prefetch_related(
                "categories",
                "product_model__categories",
                Prefetch("values", queryset=_value_rows(ProductValue)),
                Prefetch("product_model__values", queryset=_value_rows(ProductModelValue)),
                Prefetch("relations", queryset=ProductRelation.objects.select_related("target")),
                "prices",
            )
        )

    def get_object(self):
        product = self.get_queryset().by_article_number(self.kwargs["article_number"]).first()
        if product is None:
            raise Http404(_("No product with this article number."))
        self.check_object_permissions(self.request, product)
        return product

    @action(detail=False, methods=["get"], pagination_class=None)
    def search(self, request):
        """The search contract (:mod:`pim.search`) behind the catalog pages, as JSON."""
        try:
            query = query_from_params(request.query_params, language=self.language, page_size=50)
        except SearchQueryError as error:
            raise params.invalid(getattr(error, "parameter", "filter"), error.messages[0]) from None
        query.suggestions = False
        with translation.override(self.language):
            try:
                # Codes are checked against the catalog when the query is resolved.
                result = run_search(query)
            except SearchQueryError as error:
                raise params.invalid(getattr(error, "parameter", "filter"), error.messages[0]) from None
            rows = {product.pk: product for product in self.get_queryset().filter(pk__in=result.ids)}
            products = [rows[pk] for pk in result.ids if pk in rows]
            next_url = (
                replace_query_param(request.build_absolute_uri(), "cursor", result.next_cursor)
                if result.next_cursor
                else None
            )
            return Response(
                {
                    "total": result.total,
                    "next": next_url,
                    "facets": FacetSerializer(result.facets, many=True).data,
                    "results": self.get_serializer(products, many=True).data,
                }
            )

    def handle_exception(self, exc):
        # A write answers every 400 in one shape, parameter problems (lang, fields, publish)
        # included, so a client reads one error format from the write endpoints.
        if self.action in WRITE_ACTIONS and isinstance(exc, ValidationError) and isinstance(exc.detail, dict):
            errors = [
                {"field": name, "message": str(message), "value": self.request.query_params.get(name, "")}
                for name, messages in exc.detail.items()
                for message in (messages if isinstance(messages, list) else [messages])
            ]
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)

    def update(self, request, *args, **kwargs):
        """PUT: create or update the product named by the URL (idempotent upsert)."""
        return self._write_one(request)

    def partial_update(self, request, *args, **kwargs):
        """PATCH: update the given fields of an existing product."""
        if not Product.objects.by_article_number(self.kwargs["article_number"]).exists():
            raise Http404(_("No product with this article number."))
        return self._write_one(request)

    def _write_one(self, request):
        [result] = writing.write_products(
            [(self.kwargs["article_number"], request.data)], user=request.user, publish=_publish(request)
        )
        if result.status == writing.STATUS_INVALID:
            return Response(
                {"errors": [error.as_dict() for error in result.errors]}, status=status.HTTP_400_BAD_REQUEST
            )
        with translation.override(self.language):
            product = self.get_queryset().get(pk=result.product.pk)
            code = status.HTTP_201_CREATED if result.status == writing.CREATED else status.HTTP_200_OK
            return Response(self.get_serializer(product).data, status=code)

    @action(detail=False, methods=["post"], pagination_class=None)
    def bulk(self, request):
        """Create or update many products, one transaction per item, with a result per item."""
        publish = _publish(request)
        items = request.data.get("products") if isinstance(request.data, dict) else None
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            return _errors("products", _('Send {"products": [...]}: a list of product objects.'))
        if len(items) > writing.BULK_LIMIT:
            return _errors(
                "products",
                _("%(count)s products in one request; send at most %(limit)s per request.")
                % {"count": len(items), "limit": writing.BULK_LIMIT},
                code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        bodies = [
            (str(item.get("article_number") or ""), {k: v for k, v in item.items() if k != "article_number"})
            for item in items
        ]
        results = writing.write_products(bodies, user=request.user, publish=publish)
        return Response(
            {
                "results": [
                    {
                        "article_number": result.article_number,
                        "status": result.status,
                        "errors": [error.as_dict() for error in result.errors],
                    }
                    for result in results
                ]
            }
        )

    def get_serializer(self, *args, **kwargs):
        instance = args[0] if args else kwargs.get("instance")
        if instance is not None:
            products = list(instance) if isinstance(instance, list | tuple) else [instance]
            kwargs["context"] = {**self.get_serializer_context(), "page": self._page(products)}
            return self.get_serializer_class()(*args, **kwargs)
        return super().get_serializer(*args, **kwargs)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["shows_prices"] = access.shows_prices(self.request)
        return context

    def _page(self, products) -> ProductPage:
        return ProductPage(
            products,
            language=self.language,
            readable_products=access.readable_products(self.request),
            sees_unpublished=access.sees_unpublished(self.request),
        )


def _publish(request) -> bool:
    """``?publish=true|false`` (default false)."""
    value = request.query_params.get("publish", "").strip().lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise params.invalid("publish", _("“%(value)s”: use publish=true or publish=false.") % {"value": value})


def _errors(field: str, message: str, *, code=status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"errors": [{"field": field, "message": message, "value": ""}]}, status=code)


@extend_schema_view(
    list=extend_schema(summary="List series", parameters=[*COMMON_PARAMETERS, UPDATED_SINCE_PARAMETER]),
    retrieve=extend_schema(summary="One series by code", parameters=COMMON_PARAMETERS),
)
class SeriesViewSet(CatalogReadViewSet):
    """Series (product models). The public sees live series with a publicly visible variant."""

    serializer_class = SeriesSerializer
    keyset_ordering = ("updated_at", "pk")
    filters_updated_since = True

    def get_queryset(self):
        return (
            access.readable_series(self.request)
            .select_related("family")
            .prefetch_related(
                "categories",
                "axes",
                Prefetch("values", queryset=_value_rows(ProductModelValue)),
                Prefetch(
                    "variants",
                    queryset=access.readable_products(self.request).order_by("article_number_key"),
                    to_attr="readable_variants",
                ),
            )
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["family_attributes"] = cache(family_attributes_in_display_order)
        return context


@extend_schema_view(
    list=extend_schema(summary="List families", parameters=COMMON_PARAMETERS),
    retrieve=extend_schema(summary="One family by code", parameters=COMMON_PARAMETERS),
)
class FamilyViewSet(CatalogReadViewSet):
    """Families (attribute sets): definitions, readable by everyone."""

    serializer_class = FamilySerializer

    def get_queryset(self):
        return Family.objects.prefetch_related(
            Prefetch(
                "family_attributes",
                queryset=FamilyAttribute.objects.select_related(
                    "attribute__display_unit", "attribute__quantity", "display_unit", "group"
                ).prefetch_related("attribute__quantity__units"),
            )
        )


@extend_schema_view(
    list=extend_schema(summary="List attributes", parameters=COMMON_PARAMETERS),
    retrieve=extend_schema(summary="One attribute by code", parameters=COMMON_PARAMETERS),
)
class AttributeViewSet(CatalogReadViewSet):
    """Attributes with their options and units: definitions, readable by everyone."""

    serializer_class = AttributeSerializer

    def get_queryset(self):
        return Attribute.objects.select_related("quantity", "display_unit").prefetch_related(
            "options", Prefetch("quantity__units", queryset=Unit.objects.order_by("sort_order", "code"))
        )


@extend_schema_view(
    list=extend_schema(summary="List categories", parameters=COMMON_PARAMETERS),
    retrieve=extend_schema(summary="One category by code", parameters=COMMON_PARAMETERS),
)
class CategoryViewSet(CatalogReadViewSet):
    """Categories. The public sees those with a publicly visible product in their subtree."""

    serializer_class = CategorySerializer

    def get_queryset(self):
        return access.readable_categories(self.request).select_related("parent")


ASSET_ID_LIMIT = 2**63 - 1  # larger ids do not exist and would overflow the database's integer


@extend_schema_view(
    list=extend_schema(
        summary="List assets",
        parameters=[*COMMON_PARAMETERS, UPDATED_SINCE_PARAMETER],
        description="Assets in the order of their last change (then id). Anonymous and public-read requests "
        "see exactly the assets the download rule serves (public, valid, linked to a publicly visible "
        "product); full read sees every asset with its status fields, and their URLs answer 404 until the "
        "download rule allows them.",
    ),
    retrieve=extend_schema(
        summary="One asset by id",
        parameters=COMMON_PARAMETERS,
        responses={
            200: AssetRecordSerializer,
            404: OpenApiResponse(description="No readable asset with this id."),
        },
    ),
)
class AssetViewSet(CatalogReadViewSet):
    """Assets (downloads and video links). The public sees what it may download."""

    serializer_class = AssetRecordSerializer
    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9]+"
    keyset_ordering = ("updated_at", "pk")
    filters_updated_since = True

    def get_queryset(self):
        return access.readable_assets(self.request).select_related("current_revision")

    def get_object(self):
        asset_id = int(self.kwargs["id"])
        asset = self.get_queryset().filter(pk=asset_id).first() if asset_id <= ASSET_ID_LIMIT else None
        if asset is None:
            raise Http404(_("No asset with this id."))
        return asset

    def get_serializer(self, *args, **kwargs):
        instance = args[0] if args else kwargs.get("instance")
        if instance is not None:
            assets = list(instance) if isinstance(instance, list | tuple) else [instance]
            kwargs["context"] = {**self.get_serializer_context(), "asset_page": self._page(assets)}
            return self.get_serializer_class()(*args, **kwargs)
        return super().get_serializer(*args, **kwargs)

    def _page(self, assets) -> AssetPage:
        ids = [asset.pk for asset in assets]
        sees_all = access.sees_unpublished(self.request)
        downloadable = (
            set(Asset.objects.publicly_downloadable().filter(pk__in=ids).values_list("pk", flat=True))
            if sees_all and ids
            else set(ids)
        )
        return AssetPage(
            assets,
            links=access.readable_asset_links(self.request, ids),
            readable_products=access.readable_products(self.request),
            downloadable_ids=downloadable,
        )


def _latest_run(kind):
    return Subquery(
        ExportRun.objects.filter(channel_id=OuterRef("pk"), kind=kind, status=RunStatus.SUCCEEDED)
        .order_by("-finished_at", "-pk")
        .values("pk")[:1]
    )


CHANNEL_REFUSALS = {
    401: OpenApiResponse(description="No token, or an unknown or revoked one."),
    403: OpenApiResponse(description="The token has only the public_read scope; channels need full_read."),
}


@extend_schema_view(
    list=extend_schema(
        summary="List export channels",
        parameters=[FIELDS_PARAMETER],
        responses={200: ChannelSerializer(many=True), **CHANNEL_REFUSALS},
        description="Export channels with their latest successful full and delta runs. Internal: a "
        "full_read or write token is needed. Receiver tokens are never shown.",
    ),
    retrieve=extend_schema(
        summary="One export channel by code",
        parameters=[FIELDS_PARAMETER],
        responses={
            200: ChannelSerializer,
            **CHANNEL_REFUSALS,
            404: OpenApiResponse(description="No channel with this code."),
        },
    ),
)
class ChannelViewSet(CatalogReadViewSet):
    """Export channels and their latest runs, for full-read and write tokens."""

    serializer_class = ChannelSerializer
    permission_classes = [FullReadScope]

    def get_queryset(self):
        return Channel.objects.prefetch_related("categories", "families").annotate(
            latest_full_run_id=_latest_run(RunKind.FULL), latest_delta_run_id=_latest_run(RunKind.DELTA)
        )

    def get_serializer(self, *args, **kwargs):
        instance = args[0] if args else kwargs.get("instance")
        if instance is not None:
            channels = list(instance) if isinstance(instance, list | tuple) else [instance]
            run_ids = {c.latest_full_run_id for c in channels} | {c.latest_delta_run_id for c in channels}
            run_ids.discard(None)
            runs = ExportRun.objects.in_bulk(run_ids) if run_ids else {}
            kwargs["context"] = {**self.get_serializer_context(), "runs": runs}
            return self.get_serializer_class()(*args, **kwargs)
        return super().get_serializer(*args, **kwargs)


# The docs page is Swagger UI from drf-spectacular-sidecar's static files (no CDN). Its script
# is a separate request (the split view), so the public policy's script-src 'self' holds; Swagger
# UI sets style attributes and the template has a <style> block, so only this page allows inline
# styles.
@method_decorator(csp_update({"style-src": ["'unsafe-inline'"]}), name="dispatch")
class ApiDocsView(SpectacularSwaggerSplitView):
    url_name = "api:schema"

"""Admin views of the catalog: Wagtail snippet viewsets, listing filters and searches."""

import django_filters
from django import forms
from django.contrib import messages
from django.db import router, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.db.models.deletion import Collector
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, PublishingPanel
from wagtail.admin.ui.tables import Column, LiveStatusTagColumn, UpdatedAtColumn
from wagtail.snippets.views import chooser as snippet_chooser
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .forms import (
    AttributeAdminForm,
    CategoryAdminForm,
    FamilyAdminForm,
    ProductAdminForm,
    ProductModelAdminForm,
    QuantityAdminForm,
)
from .identifiers import normalize_article_number
from .localization import content_languages, localize
from .models import (
    Attribute,
    AttributeGroup,
    AttributeType,
    Category,
    Family,
    Lifecycle,
    Product,
    ProductModel,
    Quantity,
    Unit,
)
from .panels import AttributeValuesPanel, CatalogObjectList, CatalogTabbedInterface, ChildFormSetPanel

# --- searches (listing and chooser) -----------------------------------------------------------------


def _localized_icontains(field: str, query: str) -> Q:
    condition = Q()
    for language in content_languages():
        condition |= Q(**{f"{field}__{language}__icontains": query})
    return condition


def search_products(queryset, query: str):
    """Products whose article number contains ``query`` compared the normalized way
    (``4711abc12`` finds ``4711-ABC.12``), or whose name, manufacturer part number or GTIN
    contains it."""
    query = query.strip()
    if not query:
        return queryset
    condition = _localized_icontains("name", query) | Q(manufacturer_pid__icontains=query)
    key = normalize_article_number(query)
    if key:
        condition |= Q(article_number_key__contains=key)
    if query.isdigit():
        condition |= Q(gtin__startswith=query)
    return queryset.filter(condition)


def search_by_code_and_name(queryset, query: str, code_fields=("code",), localized_fields=("name",)):
    query = query.strip()
    if not query:
        return queryset
    condition = Q()
    for field in code_fields:
        condition |= Q(**{f"{field}__icontains": query})
    for field in localized_fields:
        condition |= _localized_icontains(field, query)
    return queryset.filter(condition)


def search_product_models(queryset, query):
    return search_by_code_and_name(queryset, query)


def search_families(queryset, query):
    return search_by_code_and_name(queryset, query, code_fields=("code", "etim_class_code"))


def search_attributes(queryset, query):
    return search_by_code_and_name(queryset, query, code_fields=("code", "etim_code"))


def search_categories(queryset, query):
    return search_by_code_and_name(queryset, query, code_fields=("code", "etim_group_code"))


def search_units(queryset, query):
    return search_by_code_and_name(
        queryset, query, code_fields=("code", "symbol", "unece_code", "etim_code", "aliases")
    )


class SearchIndexView(snippet_views.IndexView):
    """A listing searched with the ORM by ``search_function`` (the catalog's models are not,
    or not usefully, in Wagtail's search index)."""

    search_function = None

    @cached_property
    def is_searchable(self):
        return bool(self.index_results_url)

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return type(self).search_function(queryset, self.search_query)


def searching_index_view(search_function, base=SearchIndexView):
    return type(
        f"{search_function.__name__}_index_view", (base,), {"search_function": staticmethod(search_function)}
    )


def searching_chooser_viewset(search_function):
    """A snippet chooser whose search box uses ``search_function``."""

    class SearchForm(BaseFilterForm):
        q = forms.CharField(
            label=_("Search term"), widget=forms.TextInput(attrs={"placeholder": _("Search")}), required=False
        )

        def filter(self, objects):
            objects = super().filter(objects)
            query = self.cleaned_data.get("q")
            if query:
                objects = search_function(objects, query)
                self.is_searching = True
                self.search_query = query
            return objects

    class ChooseView(snippet_chooser.ChooseView):
        filter_form_class = SearchForm

    class ChooseResultsView(snippet_chooser.ChooseResultsView):
        filter_form_class = SearchForm

    return type(
        "SearchingChooserViewSet",
        (snippet_chooser.SnippetChooserViewSet,),
        {"choose_view_class": ChooseView, "choose_results_view_class": ChooseResultsView},
    )


class CatalogDeleteView(snippet_views.DeleteView):
    """Deleting something other rows still point to (a category with subcategories, a unit
    used by stored values…) says what uses it instead of failing."""

    def form_valid(self, form):
        try:
            # Ask Django's deletion collector first: Wagtail's reference index (which would
            # otherwise answer with a bare "permission denied") may lag behind the data.
            Collector(using=router.db_for_write(self.model)).collect([self.object])
            with transaction.atomic():
                return super().form_valid(form)
        except (ProtectedError, RestrictedError) as exc:
            blocking = list(getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", []))
            shown = ", ".join(str(obj) for obj in blocking[:5]) + ("…" if len(blocking) > 5 else "")
            messages.error(
                self.request,
                _("“%(object)s” cannot be deleted: %(count)s objects still use it (%(objects)s).")
                % {"object": self.object, "count": len(blocking), "objects": shown},
            )
            return redirect(self.get_delete_url())


class CatalogSnippetViewSet(SnippetViewSet):
    delete_view_class = CatalogDeleteView


# --- columns ----------------------------------------------------------------------------------


class LocalizedColumn(Column):
    """A localized text of the object in the active language."""

    def get_value(self, instance):
        value = super().get_value(instance)
        return localize(value) if isinstance(value, dict) else value


def _indented_category(category) -> str:
    return "\u2003" * category.level + (localize(category.name) or category.code)


class CategoryChoiceField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj):
        return _indented_category(obj)


class CategoryFilter(django_filters.ModelChoiceFilter):
    field_class = CategoryChoiceField


# --- products --------------------------------------------------------------------------------


class ProductFilterSet(WagtailFilterSet):
    family = django_filters.ModelChoiceFilter(
        label=_("Family"), queryset=Family.objects.order_by("code"), field_name="family"
    )
    category = CategoryFilter(
        label=_("Category (with subcategories)"),
        queryset=Category.objects.order_by("tree_id", "lft"),
        method="filter_category",
    )
    lifecycle = django_filters.ChoiceFilter(label=_("Lifecycle"), choices=Lifecycle.choices)
    live = django_filters.ChoiceFilter(
        label=_("Publishing"),
        choices=[
            ("live", _("Live")),
            ("draft", _("Not live (draft only)")),
            ("changes", _("Unpublished changes")),
        ],
        method="filter_live",
        empty_label=_("Any"),
    )
    product_model = django_filters.ModelChoiceFilter(
        label=_("Product model"), queryset=ProductModel.objects.order_by("code")
    )

    class Meta:
        model = Product
        fields = []

    def filter_category(self, queryset, name, value):
        if not value:
            return queryset
        subtree = value.get_descendants(include_self=True)
        return queryset.filter(categories__in=subtree).distinct()

    def filter_live(self, queryset, name, value):
        if value == "live":
            return queryset.filter(live=True)
        if value == "draft":
            return queryset.filter(live=False)
        if value == "changes":
            return queryset.filter(has_unpublished_changes=True)
        return queryset


class ProductCreateView(snippet_views.CreateView):
    """``?family=`` and ``?product_model=`` preselect them (the attributes then show at once)."""

    def get_initial(self):
        initial = super().get_initial()
        for key in ("family", "product_model"):
            value = self.request.GET.get(key, "")
            if value.isdigit():
                initial[key] = int(value)
        return initial


def trade_panels(*, with_logistics: bool) -> list:
    """The trade data sections of the product editor (``with_logistics``: weights,
    dimensions and packing units, which only articles have) and of the series editor."""
    panels = []
    if with_logistics:
        panels.append(
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("net_weight"), FieldPanel("gross_weight")]),
                    FieldRowPanel([FieldPanel("length"), FieldPanel("width"), FieldPanel("height")]),
                ],
                heading=_("Weight and dimensions"),
            )
        )
    panels += [
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("country_of_origin"), FieldPanel("customs_tariff_number")])],
            heading=_("Origin and customs"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("brand"), FieldPanel("discount_group"), FieldPanel("delivery_time_days")]
                ),
                FieldPanel("keywords"),
            ],
            heading=_("Sales"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("reach_status"), FieldPanel("scip_number")]),
                FieldRowPanel([FieldPanel("rohs_status"), FieldPanel("ce_marking")]),
            ],
            heading=_("Declarations"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("un_number"), FieldPanel("hazard_class"), FieldPanel("packing_group")]
                )
            ],
            heading=_("Dangerous goods"),
        ),
    ]
    if with_logistics:
        panels.append(
            InlinePanel(
                "packing_units",
                heading=_("Packing units"),
                label=_("Packing unit"),
                panels=[
                    FieldRowPanel([FieldPanel("code"), FieldPanel("quantity"), FieldPanel("gtin")]),
                    FieldRowPanel(
                        [
                            FieldPanel("gross_weight"),
                            FieldPanel("length"),
                            FieldPanel("width"),
                            FieldPanel("height"),
                        ]
                    ),
                    FieldPanel("package_break"),
                ],
            )
        )
    return panels


class ProductViewSet(CatalogSnippetViewSet):
    model = Product
    icon = "tag"
    menu_label = _("Products")
    menu_order = 100
    add_view_class = ProductCreateView
    index_view_class = searching_index_view(search_products)
    chooser_viewset_class = searching_chooser_viewset(search_products)
    filterset_class = ProductFilterSet
    list_per_page = 50
    ordering = "article_number_key"
    list_display = [
        "article_number",
        Column("display_name", label=_("Name"), accessor=lambda product: product.display_name()),
        "family",
        "lifecycle",
        LiveStatusTagColumn(),
        UpdatedAtColumn(),
    ]
    list_export = ["article_number", "gtin", "family", "lifecycle", "live"]
    copy_view_enabled = False

    edit_handler = CatalogTabbedInterface(
        [
            CatalogObjectList(
                [
                    FieldRowPanel([FieldPanel("article_number"), FieldPanel("gtin")]),
                    FieldPanel("name"),
                    FieldPanel("short_description"),
                    FieldPanel("long_description"),
                    FieldRowPanel([FieldPanel("family"), FieldPanel("product_model")]),
                    FieldPanel("categories"),
                    FieldRowPanel([FieldPanel("manufacturer_name"), FieldPanel("manufacturer_pid")]),
                ],
                heading=_("Product"),
            ),
            CatalogObjectList([AttributeValuesPanel(heading="")], heading=_("Attributes")),
            CatalogObjectList(
                [
                    MultiFieldPanel(
                        [
                            FieldPanel("lifecycle"),
                            FieldPanel("successor"),
                            FieldRowPanel(
                                [
                                    FieldPanel("available_from"),
                                    FieldPanel("phase_out_date"),
                                    FieldPanel("discontinued_date"),
                                ]
                            ),
                        ],
                        heading=_("Lifecycle"),
                    ),
                    MultiFieldPanel(
                        [
                            FieldRowPanel(
                                [
                                    FieldPanel("order_unit"),
                                    FieldPanel("content_unit"),
                                    FieldPanel("content_quantity"),
                                ]
                            ),
                            FieldRowPanel(
                                [
                                    FieldPanel("price_quantity"),
                                    FieldPanel("min_order_quantity"),
                                    FieldPanel("order_quantity_step"),
                                ]
                            ),
                        ],
                        heading=_("Ordering"),
                    ),
                    PublishingPanel(),
                ],
                heading=_("Lifecycle & ordering"),
            ),
            CatalogObjectList(trade_panels(with_logistics=True), heading=_("Trade & logistics")),
            CatalogObjectList(
                [
                    InlinePanel("prices", heading=_("Prices"), label=_("Price")),
                    InlinePanel("relations", heading=_("Related products"), label=_("Relation")),
                ],
                heading=_("Prices & relations"),
            ),
        ],
        base_form_class=ProductAdminForm,
    )

    def get_queryset(self, request):
        return Product.objects.select_related("family", "product_model", "latest_revision")


class ProductModelViewSet(CatalogSnippetViewSet):
    model = ProductModel
    icon = "list-ul"
    menu_label = _("Product models")
    menu_order = 110
    index_view_class = searching_index_view(search_product_models)
    chooser_viewset_class = searching_chooser_viewset(search_product_models)
    list_filter = ["family"]
    list_display = [
        "code",
        LocalizedColumn("name", label=_("Name")),
        "family",
        LiveStatusTagColumn(),
        UpdatedAtColumn(),
    ]
    copy_view_enabled = False

    edit_handler = CatalogTabbedInterface(
        [
            CatalogObjectList(
                [
                    FieldPanel("code"),
                    FieldPanel("name"),
                    FieldPanel("short_description"),
                    FieldPanel("long_description"),
                    FieldRowPanel([FieldPanel("family"), FieldPanel("manufacturer_name")]),
                    FieldPanel("axes"),
                    FieldPanel("categories"),
                    PublishingPanel(),
                ],
                heading=_("Product model"),
            ),
            CatalogObjectList([AttributeValuesPanel(heading="")], heading=_("Shared attribute values")),
            CatalogObjectList(trade_panels(with_logistics=False), heading=_("Trade data")),
        ],
        base_form_class=ProductModelAdminForm,
    )

    def get_queryset(self, request):
        return ProductModel.objects.select_related("family", "latest_revision")


# --- structure: families, attributes, groups, categories, units -------------------------------------


class FamilyViewSet(CatalogSnippetViewSet):
    model = Family
    icon = "folder-inverse"
    menu_label = _("Families")
    menu_order = 200
    index_view_class = searching_index_view(search_families)
    chooser_viewset_class = searching_chooser_viewset(search_families)
    list_display = ["code", LocalizedColumn("name", label=_("Name")), "etim_class_code", UpdatedAtColumn()]
    ordering = "code"
    edit_handler = CatalogObjectList(
        [
            FieldRowPanel([FieldPanel("code"), FieldPanel("etim_class_code")]),
            FieldPanel("name"),
            FieldPanel("description"),
            ChildFormSetPanel(
                "family_attributes",
                heading=_("Attributes"),
                help_text=_(
                    "The attributes products of this family have, by group and order. Allowed options "
                    "can be narrowed once the row is saved."
                ),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [FieldPanel("etim_version"), FieldPanel("etim_group_code"), FieldPanel("eclass_code")]
                    ),
                    FieldPanel("synonyms"),
                ],
                heading=_("Classification"),
            ),
        ],
        base_form_class=FamilyAdminForm,
    )


class AttributeFilterSet(WagtailFilterSet):
    type = django_filters.ChoiceFilter(label=_("Type"), choices=AttributeType.choices)
    quantity = django_filters.ModelChoiceFilter(label=_("Quantity"), queryset=Quantity.objects.all())
    group = django_filters.ModelChoiceFilter(
        label=_("Group"), queryset=AttributeGroup.objects.all(), method="filter_group"
    )
    family = django_filters.ModelChoiceFilter(
        label=_("Family"), queryset=Family.objects.order_by("code"), field_name="families"
    )
    filterable = django_filters.BooleanFilter(label=_("Filterable"))

    class Meta:
        model = Attribute
        fields = []

    def filter_group(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(family_attributes__group=value).distinct()


class AttributeViewSet(CatalogSnippetViewSet):
    model = Attribute
    icon = "list-ol"
    menu_label = _("Attributes")
    menu_order = 210
    index_view_class = searching_index_view(search_attributes)
    chooser_viewset_class = searching_chooser_viewset(search_attributes)
    filterset_class = AttributeFilterSet
    list_display = ["code", LocalizedColumn("name", label=_("Label")), "type", "quantity", "etim_code"]
    ordering = "code"
    edit_handler = CatalogObjectList(
        [
            FieldRowPanel([FieldPanel("code"), FieldPanel("type")]),
            FieldPanel("name"),
            FieldPanel("help_text"),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [FieldPanel("quantity"), FieldPanel("display_unit"), FieldPanel("decimals")]
                    ),
                    FieldRowPanel([FieldPanel("min_value"), FieldPanel("max_value")]),
                ],
                heading=_("Numbers and ranges"),
            ),
            FieldPanel("localizable"),
            ChildFormSetPanel(
                "options",
                heading=_("Options"),
                help_text=_("Enumerations only: the coded values an editor may choose."),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [
                            FieldPanel("filterable"),
                            FieldPanel("searchable"),
                            FieldPanel("comparable"),
                            FieldPanel("show_on_product_page"),
                        ]
                    ),
                ],
                heading=_("Use"),
            ),
            FieldRowPanel([FieldPanel("etim_code"), FieldPanel("eclass_code")]),
        ],
        base_form_class=AttributeAdminForm,
    )

    def get_queryset(self, request):
        return Attribute.objects.select_related("quantity")


class AttributeGroupViewSet(CatalogSnippetViewSet):
    model = AttributeGroup
    icon = "group"
    menu_label = _("Attribute groups")
    menu_order = 220
    index_view_class = searching_index_view(search_by_code_and_name)
    list_display = ["code", LocalizedColumn("name", label=_("Name")), "sort_order"]
    ordering = "sort_order"
    panels = [FieldPanel("code"), FieldPanel("name"), FieldPanel("sort_order")]


class CategoryIndexView(searching_index_view(search_categories)):
    """The tree in order (from the viewset's queryset), the name indented by depth."""

    def _get_title_column(self, field_name, *args, **kwargs):
        if field_name != "name":
            return super()._get_title_column(field_name, *args, **kwargs)
        column = super()._get_title_column(field_name, *args, accessor=_indented_category, **kwargs)
        column.sort_key = None  # the tree order is the order
        return column


class CategoryViewSet(CatalogSnippetViewSet):
    model = Category
    icon = "folder-open-inverse"
    menu_label = _("Categories")
    menu_order = 230
    index_view_class = CategoryIndexView
    chooser_viewset_class = searching_chooser_viewset(search_categories)
    list_display = [
        "name",
        "code",
        Column("path", label=_("Path"), accessor=lambda c: c.path_label()),
        "etim_group_code",
    ]
    list_per_page = 100
    edit_handler = CatalogObjectList(
        [
            FieldRowPanel([FieldPanel("code"), FieldPanel("sort_order")]),
            FieldPanel("name"),
            FieldPanel("parent"),
            FieldPanel("description"),
            FieldPanel("etim_group_code"),
        ],
        base_form_class=CategoryAdminForm,
    )

    def get_queryset(self, request):
        return Category.objects.order_by("tree_id", "lft")


class QuantityViewSet(CatalogSnippetViewSet):
    model = Quantity
    icon = "resubmit"
    menu_label = _("Quantities")
    menu_order = 240
    index_view_class = searching_index_view(search_by_code_and_name)
    list_display = ["code", LocalizedColumn("name", label=_("Name")), "canonical_unit"]
    ordering = "code"
    edit_handler = CatalogObjectList(
        [FieldPanel("code"), FieldPanel("name"), FieldPanel("canonical_unit")],
        base_form_class=QuantityAdminForm,
    )


class UnitViewSet(CatalogSnippetViewSet):
    model = Unit
    icon = "resubmit"
    menu_label = _("Units")
    menu_order = 250
    index_view_class = searching_index_view(search_units)
    list_filter = ["quantity"]
    list_display = ["code", "symbol", "quantity", "pint_expression", "unece_code", "etim_code"]
    list_per_page = 100
    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("symbol")]),
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("quantity"), FieldPanel("pint_expression")]),
        FieldRowPanel([FieldPanel("unece_code"), FieldPanel("etim_code"), FieldPanel("sort_order")]),
        FieldPanel("aliases"),
    ]

    def get_queryset(self, request):
        return Unit.objects.select_related("quantity")


class CatalogViewSetGroup(SnippetViewSetGroup):
    menu_label = _("Catalog")
    menu_icon = "folder-open-1"
    menu_order = 150
    items = (
        ProductViewSet,
        ProductModelViewSet,
        CategoryViewSet,
        FamilyViewSet,
        AttributeViewSet,
        AttributeGroupViewSet,
        QuantityViewSet,
        UnitViewSet,
    )

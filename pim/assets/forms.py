"""Admin forms: the asset form (upload, replace the file, link to products) and the bulk
upload form. Validation is the same as everywhere (pim.assets.validation)."""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from pim.catalog.models import Category, Product, ProductModel

from .bulk import DEFAULT_RULE, RuleError, compile_rule
from .models import Asset, AssetKind, AssetLink, LinkRole
from .services import _normalize_languages, add_revision, create_asset, link_asset
from .validation import validate_file


def language_choices():
    names = dict(settings.LANGUAGES)
    return [(code, names.get(code, code)) for code in settings.PIM_LANGUAGES]


def _lines(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[\n,;]+", text or "") if part.strip()]


class AssetForm(WagtailAdminModelForm):
    languages_field = forms.MultipleChoiceField(
        label=gettext_lazy("Languages"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("The languages the document is in; none for CAD models and pictures."),
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        required=False,
        help_text=gettext_lazy(
            "Checked by its content. On an existing asset a new file becomes a new revision; "
            "earlier revisions are kept."
        ),
    )
    comment = forms.CharField(label=gettext_lazy("Revision comment"), required=False, max_length=255)
    products = forms.CharField(
        label=gettext_lazy("Linked products"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Article numbers, one per line (or separated by commas)."),
    )
    product_models = forms.CharField(
        label=gettext_lazy("Linked product models"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Product model codes: the asset applies to every variant."),
    )
    categories = forms.CharField(
        label=gettext_lazy("Linked categories"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Category codes: the asset applies to every product in them and below."),
    )
    external_url = forms.URLField(
        label=gettext_lazy("Video URL"),
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy("Only for video links, e.g. a video on the company's channel."),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Role of new links"),
        required=False,
        choices=[("", gettext_lazy("Default for the kind"))] + list(LinkRole.choices),
    )

    class Meta:
        model = Asset
        fields = ["kind", "title", "description", "public", "valid_from", "external_url"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["languages_field"].choices = language_choices()
        self.validated_file = None
        self.duplicate_of = None
        self.notes: list[str] = []
        instance = self.instance
        if instance.pk:
            self.fields["languages_field"].initial = instance.language_list
            links = instance.links.select_related("product", "product_model", "category")
            self.fields["products"].initial = "\n".join(
                link.product.article_number for link in links if link.product_id
            )
            self.fields["product_models"].initial = "\n".join(
                link.product_model.code for link in links if link.product_model_id
            )
            self.fields["categories"].initial = "\n".join(
                link.category.code for link in links if link.category_id
            )

    def _resolve(self, field, values, lookup):
        found, missing = [], []
        for value in values:
            target = lookup(value)
            (found if target is not None else missing).append(target if target is not None else value)
        if missing:
            self.add_error(field, _("Not found: %(values)s.") % {"values": ", ".join(missing)})
        return found

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind") or self.instance.kind
        upload = cleaned.get("file")
        if kind == AssetKind.VIDEO:
            if not cleaned.get("external_url"):
                self.add_error("external_url", _("A video link needs its URL."))
            if upload:
                self.add_error("file", _("A video link has no file; give its URL."))
        elif upload:
            try:
                self.validated_file = validate_file(upload, upload.name, kind=kind)
            except ValidationError as exc:
                self.add_error("file", exc)
        elif not self.instance.pk or self.instance.current_revision is None:
            self.add_error("file", _("Choose the file to upload."))
        elif kind != self.instance.kind:
            fmt = self.instance.current_revision.file_format
            from .models import KIND_FORMATS

            if fmt not in KIND_FORMATS.get(kind, ()):
                self.add_error(
                    "kind",
                    _("The current file (%(format)s) cannot be a %(kind)s.")
                    % {"format": self.instance.current_revision.format_label, "kind": AssetKind(kind).label},
                )
        cleaned["product_targets"] = self._resolve(
            "products",
            _lines(cleaned.get("products")),
            lambda v: Product.objects.by_article_number(v).first(),
        )
        cleaned["model_targets"] = self._resolve(
            "product_models",
            _lines(cleaned.get("product_models")),
            lambda v: ProductModel.objects.filter(code__iexact=v).first(),
        )
        cleaned["category_targets"] = self._resolve(
            "categories", _lines(cleaned.get("categories")), lambda v: Category.objects.filter(code=v).first()
        )
        role = cleaned.get("role")
        if role in (LinkRole.MAIN_IMAGE, LinkRole.GALLERY) and kind != AssetKind.IMAGE:
            self.add_error("role", _("Only product images can be the main image or in the gallery."))
        return cleaned

    @transaction.atomic
    def save(self, commit=True, user=None):
        cleaned = self.cleaned_data
        languages = cleaned.get("languages_field") or []
        asset = self.instance
        if asset.pk is None and asset.kind == AssetKind.VIDEO:
            asset.languages = _normalize_languages(languages)
            asset.save()
        elif asset.pk is None:
            result = create_asset(
                self.validated_file,
                kind=cleaned["kind"],
                title=cleaned.get("title"),
                description=cleaned.get("description"),
                languages=languages,
                public=cleaned.get("public", True),
                valid_from=cleaned.get("valid_from"),
                comment=cleaned.get("comment", ""),
                user=user,
            )
            self.notes = result.notes
            if not result.created:
                self.duplicate_of = result.asset
            asset = self.instance = result.asset
        else:
            asset.languages = _normalize_languages(languages)
            asset.save()
            if self.validated_file is not None:
                add_revision(asset, self.validated_file, comment=cleaned.get("comment", ""), user=user)
        self._sync_links(asset, cleaned)
        return asset

    def _sync_links(self, asset, cleaned):
        role = cleaned.get("role") or None
        wanted = {
            "product": cleaned["product_targets"],
            "product_model": cleaned["model_targets"],
            "category": cleaned["category_targets"],
        }
        for field, targets in wanted.items():
            keep = {t.pk for t in targets}
            if self.duplicate_of is None:
                # The form shows every link: what is no longer listed is unlinked.
                AssetLink.objects.filter(asset=asset, **{f"{field}__isnull": False}).exclude(
                    **{f"{field}_id__in": keep}
                ).delete()
            for target in targets:
                if role or not AssetLink.objects.filter(asset=asset, **{field: target}).exists():
                    link_asset(asset, target, role=role)


class BulkUploadForm(forms.Form):
    archive = forms.FileField(
        label=gettext_lazy("ZIP archive"),
        help_text=gettext_lazy("Files named after article numbers, e.g. KH-100_cad_de.step."),
    )
    rule = forms.CharField(
        label=gettext_lazy("Naming rule"),
        initial=DEFAULT_RULE,
        help_text=gettext_lazy("Placeholders: <article>, <kind>, <lang>, <title>, <any>, <ext>."),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run (check and report, store nothing)"), required=False, initial=True
    )
    revise_shared = forms.BooleanField(
        label=gettext_lazy("Revise shared assets"),
        required=False,
        initial=False,
        help_text=gettext_lazy(
            "A file for one product may replace the file of an asset that other products show too; "
            "they all get the new file. Unchecked, such a file becomes a new asset of that product "
            "only. The dry run lists these files."
        ),
    )

    def clean_rule(self):
        rule = self.cleaned_data["rule"]
        try:
            compile_rule(rule)
        except RuleError as exc:
            raise ValidationError(str(exc)) from None
        return rule

"""Localized content: one JSON object per field, keyed by language code.

``{"en": "Ball valve", "de": "Kugelhahn"}``. The languages offered come from
``settings.PIM_LANGUAGES`` (more can be added without a migration); a missing translation
falls back along ``settings.PIM_LANGUAGE_FALLBACKS`` and then to any language present.
"""

from collections.abc import Mapping
from functools import lru_cache

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


def content_languages() -> list[str]:
    return list(settings.PIM_LANGUAGES)


def fallback_chain(language: str | None) -> tuple[str, ...]:
    """Languages to try, in order, for ``language`` (the active language if None)."""
    return _chain((language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0])


# Every localized text on a page or in an export asks for its chain: computed once per
# language, forgotten when the language settings change (tests override them).
@lru_cache(maxsize=64)
def _chain(language: str) -> tuple[str, ...]:
    chain = [language, *settings.PIM_LANGUAGE_FALLBACKS.get(language, [])]
    for code in content_languages():
        if code not in chain:
            chain.append(code)
    return tuple(chain)


@receiver(setting_changed)
def _language_settings_changed(setting, **kwargs):
    if setting in ("PIM_LANGUAGES", "PIM_LANGUAGE_FALLBACKS", "LANGUAGE_CODE"):
        _chain.cache_clear()


def localize(value: Mapping | str | None, language: str | None = None) -> str:
    """The text of ``value`` in ``language``, following the fallback rule; '' if none."""
    if not value:
        return ""
    if isinstance(value, str):
        return value
    for code in fallback_chain(language):
        text = value.get(code)
        if text:
            return text
    for text in value.values():
        if text:
            return text
    return ""


def clean_localized(value) -> dict:
    """Drop empty translations and strip whitespace; accept a plain string as the default."""
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        value = {settings.LANGUAGE_CODE: value}
    if not isinstance(value, Mapping):
        raise ValidationError(_("Expected a mapping of language code to text."))
    cleaned = {}
    for code, text in value.items():
        if text is None:
            continue
        text = str(text).strip()
        if text:
            cleaned[str(code)] = text
    return cleaned


class LocalizedWidget(forms.MultiWidget):
    template_name = "catalog/widgets/localized.html"

    def __init__(self, multiline: bool = False, attrs=None):
        self.languages = content_languages()
        base = forms.Textarea(attrs={"rows": 3}) if multiline else forms.TextInput()
        super().__init__([type(base)(attrs=base.attrs) for _code in self.languages], attrs)

    def decompress(self, value):
        value = value or {}
        if isinstance(value, str):
            value = {settings.LANGUAGE_CODE: value}
        return [value.get(code, "") for code in self.languages]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for code, subwidget in zip(self.languages, context["widget"]["subwidgets"], strict=True):
            subwidget["language"] = code
            subwidget["attrs"]["lang"] = code
        return context


class LocalizedFormField(forms.MultiValueField):
    def __init__(self, *, multiline: bool = False, required: bool = True, **kwargs):
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.pop("max_length", None)
        self.languages = content_languages()
        fields = [forms.CharField(required=False) for _code in self.languages]
        super().__init__(
            fields=fields,
            widget=LocalizedWidget(multiline=multiline),
            require_all_fields=False,
            required=required,
            **kwargs,
        )

    def compress(self, data_list):
        return clean_localized(dict(zip(self.languages, data_list or [], strict=False)))

    def clean(self, value):
        result = super().clean(value)
        if self.required and not result:
            raise ValidationError(
                _("Enter the text in at least one language (%(languages)s).")
                % {"languages": ", ".join(self.languages)},
                code="required",
            )
        return result


class LocalizedTextField(models.JSONField):
    """A text field holding one translation per content language."""

    description = _("Localized text")

    def __init__(self, *args, multiline: bool = False, **kwargs):
        self.multiline = multiline
        kwargs.setdefault("default", dict)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.multiline:
            kwargs["multiline"] = True
        if kwargs.get("default") is dict:
            del kwargs["default"]
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        return LocalizedFormField(
            multiline=self.multiline,
            required=not self.blank,
            label=kwargs.get("label", capfirst(self.verbose_name)),
            help_text=kwargs.get("help_text", self.help_text),
        )

    def validate(self, value, model_instance):
        super().validate(clean_localized(value), model_instance)

"""The shipped German translation is complete, well-formed, compiled and actually used.

The .po files are read with a small reader below (the standard library has none); the
.mo files are read back with :mod:`gettext`, so "compiled" means "the .mo says what the
.po says", which holds on any checkout (file times after a ``git clone`` do not).
"""

import ast
import datetime
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.users.models import UserProfile

from pim.catalog.models import Lifecycle
from tests.factories import make_product, make_valve_family

LANGUAGE = "de"
PO_FILES = sorted(
    [
        *Path(settings.BASE_DIR).glob(f"locale/{LANGUAGE}/LC_MESSAGES/django.po"),
        *Path(settings.BASE_DIR).glob(f"pim/*/locale/{LANGUAGE}/LC_MESSAGES/django.po"),
    ]
)


# -- a small .po reader ----------------------------------------------------------------


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    def where(self) -> str:
        return f"line {self.line} ({', '.join(self.references[:2]) or 'no reference'}): {self.msgid!r}"


def _unquote(text: str, path: Path, number: int) -> str:
    text = text.strip()
    if not (len(text) >= 2 and text[0] == text[-1] == '"'):
        raise ValueError(f"{path}:{number}: expected a quoted string, got {text!r}")
    # PO strings use C escapes (\" \\ \n \t), which a Python string literal reads the same way.
    return ast.literal_eval(text)


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header first; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, target = None, None
            continue
        if line.startswith("#~"):
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif line.startswith("#:"):
            current.references.extend(line[2:].split())
        elif line.startswith("#"):
            continue  # translator/extracted comments, previous msgid (#|)
        elif line.startswith('"'):
            if target is None:
                raise ValueError(f"{path}:{number}: continuation line outside a message")
            key, index = target
            value = _unquote(line, path, number)
            if key == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, key, getattr(current, key) + value)
        else:
            match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(.*)$", line)
            if not match:
                raise ValueError(f"{path}:{number}: cannot read {raw!r}")
            key, index, rest = match.group(1), match.group(2), match.group(3)
            value = _unquote(rest, path, number)
            if key == "msgstr":
                position = int(index or 0)
                current.msgstr[position] = value
                target = (key, position)
            else:
                setattr(current, key, value)
                target = (key, None)
    return entries


def messages(path: Path) -> list[Entry]:
    entries = read_po(path)
    assert entries and entries[0].msgid == "", f"{path}: no header entry"
    return entries[1:]


# Named (%(name)s, %(rate).0f), positional (%s, %d) and brace ({name}) placeholders;
# "%%" is a literal percent sign.
_PERCENT = re.compile(r"%(?:\((?P<name>[^)]+)\))?[#0 +-]*\d*(?:\.\d+)?(?P<type>[diouxXeEfFgGcrsa])")
_BRACE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}")


def placeholders(text: str) -> list[str]:
    text = text.replace("%%", "")
    found = [match.group(0) for match in _PERCENT.finditer(text)]
    found += _BRACE.findall(text)
    return sorted(found)


def translations(entry: Entry) -> list[str]:
    return [entry.msgstr[index] for index in sorted(entry.msgstr)]


def test_the_german_catalogs_are_found():
    found = {path.relative_to(settings.BASE_DIR).as_posix() for path in PO_FILES}
    assert "locale/de/LC_MESSAGES/django.po" in found
    assert "pim/assets/locale/de/LC_MESSAGES/django.po" in found


def test_reader_reads_what_msgfmt_reads(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: de\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\n#| msgid "Old"\n'
        'msgid ""\n"Say \\"%(word)s\\" "\n"twice"\nmsgstr "Sag zweimal „%(word)s“"\n\n'
        'msgctxt "menu"\nmsgid "File"\nmsgid_plural "Files"\nmsgstr[0] "Datei"\nmsgstr[1] "Dateien"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Weg"\n',
        encoding="utf-8",
    )
    first, second = messages(po)
    assert first.msgid == 'Say "%(word)s" twice' and first.flags == {"fuzzy", "python-format"}
    assert first.references == ["a.py:1"]
    assert second.msgctxt == "menu" and second.msgid_plural == "Files"
    assert translations(second) == ["Datei", "Dateien"]
    assert placeholders("%(a)s, %(rate).0f/s, 50%% and {b} and %d") == ["%(a)s", "%(rate).0f", "%d", "{b}"]


@pytest.mark.parametrize("path", PO_FILES, ids=lambda p: p.relative_to(settings.BASE_DIR).as_posix())
class TestShippedGermanCatalog:
    def test_every_message_is_translated(self, path):
        untranslated = [e.where() for e in messages(path) if not all(translations(e)) or not e.msgstr]
        assert not untranslated, f"{path}: {len(untranslated)} untranslated:\n" + "\n".join(untranslated)

    def test_no_message_is_fuzzy(self, path):
        fuzzy = [e.where() for e in messages(path) if "fuzzy" in e.flags]
        assert not fuzzy, f"{path}: {len(fuzzy)} fuzzy:\n" + "\n".join(fuzzy)

    def test_placeholders_are_kept(self, path):
        wrong = []
        for entry in messages(path):
            for index, text in enumerate(translations(entry)):
                source = entry.msgid if index == 0 or entry.msgid_plural is None else entry.msgid_plural
                if text and placeholders(text) != placeholders(source):
                    wrong.append(f"{entry.where()}: {placeholders(source)} → {placeholders(text)}")
        assert not wrong, f"{path}:\n" + "\n".join(wrong)

    def test_german_quotation_marks(self, path):
        """English “…” becomes German „…“: no English closing mark, and every „ is closed by “."""
        wrong = [
            e.where()
            for e in messages(path)
            if any("\u201d" in t or t.count("\u201e") != t.count("\u201c") for t in translations(e))
        ]
        assert not wrong, f"{path}: quotation marks not in German style („…“):\n" + "\n".join(wrong)

    def test_mo_file_is_compiled_from_this_po_file(self, path):
        mo = path.with_suffix(".mo")
        assert mo.exists(), f"{mo} is missing: run manage.py compilemessages"
        with mo.open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)
        stale = []
        for entry in messages(path):
            if entry.msgid_plural is not None and entry.msgctxt is not None:
                shown = [
                    compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n) for n in (1, 2)
                ]
            elif entry.msgid_plural is not None:
                shown = [compiled.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
            elif entry.msgctxt is not None:
                shown = [compiled.pgettext(entry.msgctxt, entry.msgid)]
            else:
                shown = [compiled.gettext(entry.msgid)]
            if shown != translations(entry):
                stale.append(f"{entry.where()}: .mo has {shown!r}")
        assert not stale, (
            f"{mo} is not compiled from {path.name} (run manage.py compilemessages):\n"
            + "\n".join(stale[:20])
        )


# -- the translation in use ------------------------------------------------------------


@pytest.mark.django_db
def test_german_product_page_shows_translated_headings_and_lifecycle(client):
    family = make_valve_family()
    product = make_product(
        family,
        article_number="KH-DE-1",
        values={"max_pressure": "16 bar", "body_material": "brass"},
        lifecycle=Lifecycle.PHASE_OUT,
        discontinued_date=datetime.date(2027, 12, 31),
    )

    english = client.get(f"/products/{product.article_number}/")
    german = client.get(f"/de/produkte/{product.article_number}/")
    assert english.status_code == german.status_code == 200
    english_html, german_html = english.content.decode(), german.content.decode()

    assert '<h2 id="technical-data">Technical data</h2>' in english_html
    assert '<h2 id="technical-data">Technische Daten</h2>' in german_html
    assert '<h2 id="identification">Identifikation</h2>' in german_html
    assert '<span class="badge badge--phase_out">Phase-out</span>' in english_html
    assert '<span class="badge badge--phase_out">Auslaufend</span>' in german_html
    assert "Dieses Produkt läuft aus und ist bis 31. Dezember 2027 lieferbar." in german_html
    assert "Artikelnummer" in german_html and "Article number" not in german_html


@pytest.mark.django_db
def test_german_product_page_shows_active_badge(client):
    product = make_product(make_valve_family(), article_number="KH-DE-2")
    html = client.get(f"/de/produkte/{product.article_number}/").content.decode()
    assert '<span class="badge badge--active">Aktiv</span>' in html


@pytest.mark.django_db
def test_admin_login_page_in_german(client, settings):
    # A German installation (PIM_LANGUAGE_CODE=de): pages without a language prefix, the
    # admin's login page among them, are in German. (Accept-Language is not consulted for
    # them: i18n_patterns with prefix_default_language=False pins them to LANGUAGE_CODE.)
    settings.LANGUAGE_CODE = "de"
    response = client.get(reverse("wagtailadmin_login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="de"' in html
    assert "Anmelden" in html and "Sign in" not in html


@pytest.mark.django_db
def test_catalog_admin_in_german(client):
    user = get_user_model().objects.create_superuser("redakteur", "r@example.com", "secret")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "de"
    profile.save()
    client.force_login(user)
    make_product(make_valve_family(), article_number="KH-DE-3")

    html = client.get(reverse("wagtailsnippets_catalog_product:list")).content.decode()
    # Menu, filters and lifecycle states of the catalog, in German.
    for text in ("Katalog", "Produkte", "Lebenszyklus", "Veröffentlichung", "Aktiv"):
        assert text in html, text

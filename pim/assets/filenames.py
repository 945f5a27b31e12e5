"""File names: checked (no traversal, no hidden characters) and made safe to store and to
send in a Content-Disposition header."""

import re
import unicodedata

from django.utils.text import slugify
from django.utils.translation import gettext as _

MAX_NAME_LENGTH = 120
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_WINDOWS_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}


class FileNameError(ValueError):
    pass


def check_filename(name: str) -> None:
    """Reject names that try to leave their folder or hide characters (bidi overrides,
    control characters): a person should see what they get."""
    if not name or not name.strip():
        raise FileNameError(_("The file has no name."))
    parts = re.split(r"[/\\]", name)
    if any(part == ".." for part in parts) or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        raise FileNameError(
            _("“%(name)s” contains a path (“..”, “/”, a drive letter); upload the file itself.")
            % {"name": name}
        )
    hidden = [ch for ch in name if unicodedata.category(ch) in ("Cc", "Cf")]
    if hidden:
        raise FileNameError(
            _("The file name %(name)r contains invisible or control characters (%(chars)s).")
            % {"name": name, "chars": ", ".join(f"U+{ord(ch):04X}" for ch in hidden[:5])}
        )


def safe_filename(name: str, extension: str | None = None) -> str:
    """A name safe on every file system: NFC-normalized Unicode, no separators or reserved
    characters, no leading dots, bounded length; ``extension`` replaces the given one."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = _UNSAFE.sub("_", name).strip().strip(".")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if extension is not None:
        ext = extension
    stem = re.sub(r"\s+", " ", stem).strip(" .") or "file"
    if stem.lower() in _WINDOWS_RESERVED:
        stem = f"{stem}_"
    ext = re.sub(r"[^A-Za-z0-9_]", "", ext)[:10].lower()
    limit = MAX_NAME_LENGTH - len(ext) - 1
    stem = stem[:limit].rstrip(" .") or "file"
    return f"{stem}.{ext}" if ext else stem


def download_slug(*parts: str, extension: str = "") -> str:
    """A readable URL file name from parts: ``KH-00001_ball-valve-dn15.step``."""
    words = [slugify(p, allow_unicode=False) or "" for p in parts if p]
    words = [re.sub(r"[^A-Za-z0-9._-]", "", w) for w in words]
    stem = "_".join(w for w in words if w)[:100].strip("._-") or "file"
    return f"{stem}.{extension}" if extension else stem


def ascii_article(article_number: str) -> str:
    """The article number as it may appear in a URL file name."""
    text = unicodedata.normalize("NFKD", article_number).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._") or "article"

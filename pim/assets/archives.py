"""ZIP archives checked before anyone unpacks them: bombs (total size, compression ratio,
headers that lie, nesting), member names that climb out of the target folder, and members
that are not plain files (symbolic links, devices, FIFOs: unpacked, a link to
``/etc/passwd`` or ``~/.ssh`` becomes a way out of the target folder)."""

import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

CHUNK = 1024 * 1024


class ArchiveError(ValueError):
    """The archive is unsafe or damaged; the message says why, naming the member."""


@dataclass(frozen=True)
class ArchiveLimits:
    max_total_bytes: int
    max_ratio: int
    max_entries: int
    max_depth: int

    @classmethod
    def from_settings(cls) -> "ArchiveLimits":
        return cls(
            max_total_bytes=settings.PIM_ASSET_ZIP_MAX_TOTAL_MB * 1024 * 1024,
            max_ratio=settings.PIM_ASSET_ZIP_MAX_RATIO,
            max_entries=settings.PIM_ASSET_ZIP_MAX_ENTRIES,
            max_depth=settings.PIM_ASSET_ZIP_MAX_DEPTH,
        )


@dataclass
class ArchiveSummary:
    entries: int = 0
    total_bytes: int = 0
    nested: int = 0


_DRIVE = re.compile(r"^[A-Za-z]:")


def check_member_name(name: str) -> None:
    """Raise ArchiveError for names that are absolute, climb up (``..``) or hide characters."""
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        raise ArchiveError(_("“%(name)s” is an absolute path.") % {"name": name})
    if "\\" in name:
        raise ArchiveError(_("“%(name)s” uses backslashes as folder separators.") % {"name": name})
    if any(part == ".." for part in name.split("/")):
        raise ArchiveError(_("“%(name)s” points outside the archive (“..”).") % {"name": name})
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        raise ArchiveError(_("“%(name)r” contains control characters.") % {"name": name})


def special_member_problem(info: zipfile.ZipInfo) -> str:
    """Why a member is not a plain file or folder (a symbolic link, a device, a FIFO, a
    socket), from the Unix mode bits in ``external_attr``; "" for plain members. Archivers
    that store no Unix mode (Windows) leave the type bits 0: a plain file."""
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind in (0, stat.S_IFREG, stat.S_IFDIR):
        return ""
    if kind == stat.S_IFLNK:
        return _("“%(name)s” is a symbolic link; links are refused, add the file itself.") % {
            "name": info.filename
        }
    return _("“%(name)s” is a special file (device, FIFO or socket), not a plain file.") % {
        "name": info.filename
    }


def _mb(value: int) -> str:
    return f"{value / (1024 * 1024):.0f} MB"


def check_zip(
    fileobj,
    limits: ArchiveLimits | None = None,
    *,
    skip_special: bool = False,
    _depth: int = 0,
    _budget=None,
) -> ArchiveSummary:
    """Check a ZIP archive by reading every member (headers can lie) within the limits.

    Raises :class:`ArchiveError` naming the member and the limit that was exceeded, or the
    member that is a symbolic link or special file. With ``skip_special`` such members of
    the outer archive are left unread instead, for a caller that reports them one by one
    (the bulk import); nested archives never allow them.
    """
    limits = limits or ArchiveLimits.from_settings()
    budget = _budget if _budget is not None else {"bytes": 0}
    summary = ArchiveSummary()
    fileobj.seek(0)
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ArchiveError(_("The ZIP archive is damaged (%(error)s).") % {"error": exc}) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise ArchiveError(
                _("The archive has %(count)s entries; at most %(max)s are allowed.")
                % {"count": len(infos), "max": limits.max_entries}
            )
        declared = sum(info.file_size for info in infos)
        if budget["bytes"] + declared > limits.max_total_bytes:
            raise ArchiveError(
                _("The archive unpacks to %(size)s; at most %(max)s are allowed.")
                % {"size": _mb(budget["bytes"] + declared), "max": _mb(limits.max_total_bytes)}
            )
        for info in infos:
            check_member_name(info.filename)
            if info.flag_bits & 0x1:
                raise ArchiveError(
                    _("“%(name)s” is encrypted and cannot be checked.") % {"name": info.filename}
                )
            problem = special_member_problem(info)
            if problem:
                if skip_special:
                    continue
                raise ArchiveError(problem)
            if info.is_dir():
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > CHUNK and ratio > limits.max_ratio:
                raise ArchiveError(
                    _(
                        "“%(name)s” is compressed %(ratio)d:1 (at most %(max)s:1 is allowed): "
                        "this looks like a ZIP bomb."
                    )
                    % {"name": info.filename, "ratio": ratio, "max": limits.max_ratio}
                )
            _read_member(archive, info, limits, budget)
            summary.entries += 1
            summary.total_bytes += info.file_size
            if info.filename.lower().endswith(".zip"):
                if _depth + 1 > limits.max_depth:
                    raise ArchiveError(
                        _("“%(name)s” nests ZIP archives deeper than %(max)s levels.")
                        % {"name": info.filename, "max": limits.max_depth}
                    )
                with archive.open(info) as inner:
                    try:
                        nested = check_zip(inner, limits, _depth=_depth + 1, _budget=budget)
                    except ArchiveError as exc:
                        raise ArchiveError(f"{info.filename}: {exc}") from None
                summary.nested += 1 + nested.nested
    fileobj.seek(0)
    return summary


def _read_member(archive, info, limits, budget) -> None:
    """Decompress a member and count its real size: a header may understate it."""
    read = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                read += len(chunk)
                budget["bytes"] += len(chunk)
                if read > info.file_size or budget["bytes"] > limits.max_total_bytes:
                    raise ArchiveError(
                        _("“%(name)s” unpacks to more than its header says or than the limit of %(max)s.")
                        % {"name": info.filename, "max": _mb(limits.max_total_bytes)}
                    )
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
        raise ArchiveError(
            _("“%(name)s” in the archive is damaged (%(error)s).") % {"name": info.filename, "error": exc}
        ) from None

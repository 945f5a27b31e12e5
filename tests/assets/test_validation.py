"""The bad-file corpus: each one is rejected with a clear message, and nothing is stored."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from pim.assets import samples
from pim.assets.archives import ArchiveError, ArchiveLimits, check_zip
from pim.assets.filenames import safe_filename
from pim.assets.formats import EICAR_SIGNATURE, detect_format
from pim.assets.models import Asset, AssetKind, AssetRevision
from pim.assets.services import create_asset
from pim.assets.validation import validate_file

from .conftest import stored_files


def _zip(entries, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


GOOD = [
    ("valve.step", samples.step_box("KH-1"), "step"),
    ("valve.stp", samples.step_box("KH-1"), "step"),
    ("valve.igs", samples.iges_line(), "iges"),
    ("valve.stl", samples.stl_box_ascii("KH-1"), "stl"),
    ("valve-binary.stl", samples.stl_box_binary("KH-1"), "stl"),
    # A binary STL whose header starts with "solid" (many exporters do that).
    ("valve-solid-header.stl", samples.stl_box_binary("KH-1", header_prefix=b"solid "), "stl"),
    ("outline.dxf", samples.dxf_rectangle(), "dxf"),
    ("outline.dwg", b"AC1027" + bytes(200), "dwg"),
    ("part.x_t", b"**ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz**\n**PART1;\n", "parasolid"),
    ("part.sldprt", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "native_cad"),
    ("part.ipt", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "native_cad"),
    ("sheet.pdf", samples.simple_pdf("Datasheet", ["16 bar"]), "pdf"),
    ("photo.png", samples.picture("KH"), "png"),
    ("photo.jpg", samples.picture("KH", fmt="JPEG"), "jpeg"),
    ("photo.webp", samples.picture("KH", fmt="WEBP"), "webp"),
    (
        "icon.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="5"/></svg>',
        "svg",
    ),
    ("bundle.zip", _zip([("a.step", samples.step_box("A")), ("docs/b.pdf", b"%PDF-1.4 tiny")]), "zip"),
]


@pytest.mark.parametrize(("name", "data", "code"), GOOD, ids=[g[0] for g in GOOD])
def test_formats_are_recognized_by_content(name, data, code):
    assert detect_format(io.BytesIO(data), filename=name).format.code == code
    validated = validate_file(io.BytesIO(data), name)
    assert validated.format.code == code
    assert validated.size == len(data)


def test_unknown_extension_gets_the_real_formats_extension():
    validated = validate_file(io.BytesIO(samples.step_box("X")), "Kugelhahn Modell")
    assert validated.name == "Kugelhahn Modell.step"


SVG_SCRIPT = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">
  <script>alert(document.cookie)</script>
  <rect width="5" height="5" onclick="steal()"/>
  <image xlink:href="https://evil.example/track.png" width="1" height="1"/>
</svg>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<svg xmlns="http://www.w3.org/2000/svg">&b;</svg>"""

BAD = [
    # (name, bytes, kind, code, words the message must contain)
    (
        "datasheet.pdf",
        b"<!DOCTYPE html><html><body>Login</body></html>",
        None,
        "unknown_format",
        ["not a PDF", "HTML"],
    ),
    ("model.step", b"%PDF-1.7\n...", None, "format_mismatch", ["STEP", "PDF"]),
    ("drawing.pdf", samples.step_box("X"), None, "format_mismatch", ["PDF", "STEP"]),
    ("icon.svg", SVG_SCRIPT, None, "svg_active_content", ["script", "event handler", "external"]),
    ("bomb.svg", BILLION_LAUGHS, None, "bad_svg", ["entities"]),
    ("eicar.pdf", EICAR_SIGNATURE, None, "malware", ["EICAR"]),
    ("junk.step", bytes(range(256)) * 40, None, "unknown_format", ["not a STEP", "unrecognized binary"]),
    ("empty.pdf", b"", None, "empty", ["empty"]),
    ("../../etc/passwd.pdf", b"%PDF-1.4", None, "bad_name", ["path"]),
    ("invoice\u202efdp.exe", b"%PDF-1.4", None, "bad_name", ["invisible", "U+202E"]),
    ("setup.zip", b"MZ\x90\x00" + bytes(100), None, "unknown_format", ["executable"]),
    ("manual.pdf", b"PK\x03\x04" + bytes(20), AssetKind.MANUAL, "format_mismatch", ["PDF", "ZIP"]),
    ("model.step", samples.step_box("X"), AssetKind.DATASHEET, "kind_format", ["Datasheet", "STEP"]),
    ("photo.gif", b"GIF89a" + bytes(50), AssetKind.IMAGE, "unknown_format", ["GIF"]),
    (
        "traversal.zip",
        _zip([("../../evil.sh", b"rm -rf /")]),
        None,
        "unsafe_archive",
        ["outside the archive"],
    ),
    ("absolute.zip", _zip([("/etc/cron.d/x", b"x")]), None, "unsafe_archive", ["absolute"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "data", "kind", "code", "words"), BAD, ids=[b[0] + "-" + b[3] for b in BAD])
def test_bad_files_are_rejected_with_a_clear_message_and_nothing_is_stored(
    media_root, name, data, kind, code, words
):
    with pytest.raises(ValidationError) as caught:
        create_asset(io.BytesIO(data), filename=name, kind=kind or _kind_for(name))
    message = caught.value.messages[0]
    assert caught.value.error_list[0].code == code, message
    for word in words:
        assert word.lower() in message.lower(), message
    assert Asset.objects.count() == 0
    assert AssetRevision.objects.count() == 0
    assert stored_files(media_root) == []


def _kind_for(name):
    # The broadest kind for the extension, so the content check (not the kind) decides.
    ext = name.rsplit(".", 1)[-1]
    return {
        "pdf": AssetKind.CAD_2D,
        "svg": AssetKind.IMAGE,
        "gif": AssetKind.IMAGE,
        "zip": AssetKind.CAD_3D,
        "exe": AssetKind.SOFTWARE,
    }.get(ext, AssetKind.CAD_3D)


@pytest.mark.django_db
def test_oversized_file_is_rejected(settings, media_root):
    settings.PIM_ASSET_MAX_UPLOAD_MB = 1
    data = samples.stl_box_binary("big") + bytes(1024 * 1024)
    with pytest.raises(ValidationError) as caught:
        create_asset(io.BytesIO(data), filename="big.stl", kind=AssetKind.CAD_3D)
    assert "limit is 1 MB" in caught.value.messages[0]
    assert "big.stl" in caught.value.messages[0]
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_zip_bomb_is_rejected(media_root):
    bomb = _zip([("zeros.bin", bytes(30 * 1024 * 1024))])
    assert len(bomb) < 100_000
    with pytest.raises(ValidationError) as caught:
        create_asset(io.BytesIO(bomb), filename="cad-package.zip", kind=AssetKind.CAD_3D)
    assert "ZIP bomb" in caught.value.messages[0]
    assert "zeros.bin" in caught.value.messages[0]
    assert stored_files(media_root) == []


def test_zip_limits_total_size_entries_and_nesting():
    limits = ArchiveLimits(max_total_bytes=10_000, max_ratio=1000, max_entries=3, max_depth=1)
    with pytest.raises(ArchiveError, match="unpacks to"):
        check_zip(io.BytesIO(_zip([("a.txt", b"x" * 20_000)], zipfile.ZIP_STORED)), limits)
    with pytest.raises(ArchiveError, match="entries"):
        check_zip(io.BytesIO(_zip([(f"{i}.txt", b"x") for i in range(4)])), limits)
    inner = _zip([("deep.zip", _zip([("x.txt", b"x")]))])
    with pytest.raises(ArchiveError, match="deeper than 1"):
        check_zip(io.BytesIO(_zip([("outer.zip", inner)])), limits)
    assert check_zip(io.BytesIO(_zip([("one.zip", _zip([("x.txt", b"x")]))])), limits).nested == 1


def test_zip_whose_header_lies_about_the_size_is_rejected():
    data = bytearray(_zip([("a.txt", b"a" * 5000)]))
    # Patch the uncompressed size in the central directory to pretend 10 bytes.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    with pytest.raises(ArchiveError):
        check_zip(io.BytesIO(bytes(data)), ArchiveLimits(10**9, 1000, 100, 2))


def test_svg_is_sanitized_when_the_policy_says_so(settings):
    settings.PIM_ASSET_SVG_POLICY = "sanitize"
    validated = validate_file(io.BytesIO(SVG_SCRIPT), "icon.svg", kind=AssetKind.IMAGE)
    cleaned = validated.content.read()
    assert b"<script" not in cleaned
    assert b"onclick" not in cleaned
    assert b"evil.example" not in cleaned
    assert b"<rect" in cleaned
    assert validated.notes and "script" in validated.notes[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Kugelhahn DN15 – Maßblatt.pdf", "Kugelhahn DN15 – Maßblatt.pdf"),
        ("a<b>c:d|e?.step", "a_b_c_d_e_.step"),
        ("CON.pdf", "CON_.pdf"),
        ("...hidden.pdf", "hidden.pdf"),
        ("x" * 300 + ".step", "x" * 115 + ".step"),
        ("Cafe\u0301.pdf", "Café.pdf"),
    ],
)
def test_safe_filename(raw, expected):
    assert safe_filename(raw) == expected

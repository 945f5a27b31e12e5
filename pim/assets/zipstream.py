"""A ZIP archive written while it is sent: memory stays flat however many files it holds.

``zipfile`` writes to any object with ``write`` and ``tell``; on a stream that cannot seek
it puts sizes and checksums after each member (data descriptors), so nothing has to be
buffered or rewritten. Each chunk is handed to the response as soon as it exists.
"""

import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

CHUNK = 256 * 1024


@dataclass
class ZipMember:
    name: str  # path inside the archive
    open: Callable  # returns a binary file object
    size: int
    modified: datetime
    compress: bool = False  # deflate text formats (STEP, IGES…); PDFs, images and ZIPs are stored


class _Sink:
    """Write-only buffer: tell() but no seek(), so zipfile streams."""

    def __init__(self):
        self._chunks: list[bytes] = []
        self._offset = 0

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        self._offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self._offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def unique_names(names: Iterable[str]) -> list[str]:
    """``a.pdf``, ``a.pdf`` → ``a.pdf``, ``a-2.pdf``."""
    seen: set[str] = set()
    result = []
    for name in names:
        candidate, counter = name, 2
        while candidate.lower() in seen:
            stem, dot, ext = name.rpartition(".")
            candidate = f"{stem}-{counter}.{ext}" if dot else f"{name}-{counter}"
            counter += 1
        seen.add(candidate.lower())
        result.append(candidate)
    return result


def stream_zip(members: Iterable[ZipMember]) -> Iterator[bytes]:
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", allowZip64=True) as archive:
        for member in members:
            info = zipfile.ZipInfo(member.name, date_time=member.modified.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED if member.compress else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            with member.open() as source, archive.open(info, "w", force_zip64=member.size > 2**31) as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    data = sink.take()
                    if data:
                        yield data
            data = sink.take()
            if data:
                yield data
    data = sink.take()
    if data:
        yield data

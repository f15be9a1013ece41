"""Deciding what an uploaded file is, from its bytes alone, and refusing hostile ones.

Accepted: PDF (``%PDF-``), DOCX (a ZIP holding ``word/document.xml``), plain UTF-8 text.
A DOCX is decompressed in memory with a running limit on the total and a ratio limit per
entry, so a zip bomb is refused while it is being read, before anything is stored.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from hireboard.errors import PayloadTooLarge, UnsupportedMediaType

MAX_BYTES = 10 * 1024 * 1024
DOCX_MAX_TOTAL = 50 * 1024 * 1024
DOCX_MAX_RATIO = 100
DOCX_MAX_ENTRIES = 2000
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain"
_BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\x7fELF", b"MZ", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")


class ArchiveTooLarge(PayloadTooLarge):
    code = "archive_too_large"
    title = "The document expands to more than we accept"


class UnsupportedFile(UnsupportedMediaType):
    code = "unsupported_file_type"
    title = "Send a PDF, a DOCX or a plain-text file"


@dataclass(frozen=True)
class Inspected:
    content_type: str


def inspect(data: bytes) -> Inspected:
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(f"Files are limited to {MAX_BYTES // (1024 * 1024)} MiB.")
    if data.startswith(b"%PDF-"):
        return Inspected(PDF)
    if data.startswith(b"PK\x03\x04"):
        _check_docx(data)
        return Inspected(DOCX)
    if not data.startswith(_BINARY_MAGIC) and b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            if data.strip():
                return Inspected(TEXT)
    raise UnsupportedFile("The file is not a PDF, a DOCX or UTF-8 text (judged by its content).")


def _check_docx(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise UnsupportedFile("The file looks like a ZIP archive but cannot be read.") from None
    names = {entry.filename for entry in entries}
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise UnsupportedFile("The ZIP archive is not a Word document (DOCX).")
    if len(entries) > DOCX_MAX_ENTRIES:
        raise ArchiveTooLarge(f"A document may hold at most {DOCX_MAX_ENTRIES} parts.")
    total = 0
    for entry in entries:
        if entry.compress_size and entry.file_size / entry.compress_size > DOCX_MAX_RATIO:
            raise ArchiveTooLarge("A part of the document is compressed suspiciously well.")
        # Headers can lie: count what actually comes out, and stop at the limit.
        with archive.open(entry) as stream:
            while chunk := stream.read(1024 * 1024):
                total += len(chunk)
                if total > DOCX_MAX_TOTAL:
                    raise ArchiveTooLarge(
                        f"The document expands to more than {DOCX_MAX_TOTAL // (1024 * 1024)} MiB."
                    )
                if entry.compress_size and total / max(1, len(data)) > DOCX_MAX_RATIO:
                    raise ArchiveTooLarge("The document is compressed suspiciously well.")


def extract_text(data: bytes, content_type: str) -> str:
    """The text of an accepted file (run by the parsing job)."""
    if content_type == TEXT:
        return data.decode("utf-8")
    if content_type == PDF:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    if content_type == DOCX:
        from docx import Document

        document = Document(io.BytesIO(data))
        return "\n".join(paragraph.text for paragraph in document.paragraphs)
    raise UnsupportedFile(content_type)

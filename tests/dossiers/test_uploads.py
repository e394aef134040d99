"""Upload validation is pure: it looks at the bytes, never at the name."""

import io
import zipfile

import pytest

from demo.files import pdf_bytes, png_bytes
from dossiers.uploads import DOCX_MIME, UploadRejected, check_upload

LIMIT = 1024 * 1024


def docx_bytes(*, with_macros: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
        if with_macros:
            z.writestr("word/vbaProject.bin", b"\x00macro")
    return out.getvalue()


def test_it_accepts_a_pdf_and_records_its_digest():
    import hashlib

    data = pdf_bytes()
    checked = check_upload(io.BytesIO(data), max_bytes=LIMIT)
    assert checked.content_type == "application/pdf"
    assert checked.extension == ".pdf"
    assert checked.size == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


def test_it_accepts_png_jpeg_and_docx_by_content():
    from PIL import Image

    jpeg = io.BytesIO()
    Image.new("RGB", (10, 10)).save(jpeg, format="JPEG")
    assert check_upload(io.BytesIO(png_bytes()), max_bytes=LIMIT).content_type == "image/png"
    assert check_upload(io.BytesIO(jpeg.getvalue()), max_bytes=LIMIT).content_type == "image/jpeg"
    assert check_upload(io.BytesIO(docx_bytes()), max_bytes=LIMIT).content_type == DOCX_MIME


def test_a_renamed_executable_is_rejected_whatever_its_name():
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
    with pytest.raises(UploadRejected, match="not an accepted type"):
        check_upload(io.BytesIO(elf), max_bytes=LIMIT)


def test_a_windows_executable_is_rejected():
    with pytest.raises(UploadRejected):
        check_upload(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 300), max_bytes=LIMIT)


def test_an_empty_file_is_rejected():
    with pytest.raises(UploadRejected, match="empty"):
        check_upload(io.BytesIO(b""), max_bytes=LIMIT)


def test_a_file_over_the_limit_is_rejected():
    data = pdf_bytes() + b"\x00" * 2000
    with pytest.raises(UploadRejected, match="larger than the limit"):
        check_upload(io.BytesIO(data), max_bytes=1000)


def test_a_damaged_image_is_rejected():
    truncated = png_bytes()[:60]
    with pytest.raises(UploadRejected, match="damaged"):
        check_upload(io.BytesIO(truncated), max_bytes=LIMIT)


def test_a_macro_enabled_word_document_is_rejected():
    with pytest.raises(UploadRejected):
        check_upload(io.BytesIO(docx_bytes(with_macros=True)), max_bytes=LIMIT)


def test_a_plain_zip_is_rejected():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("a.txt", "hello")
    with pytest.raises(UploadRejected):
        check_upload(io.BytesIO(out.getvalue()), max_bytes=LIMIT)


def test_a_restricted_set_refuses_other_accepted_types():
    with pytest.raises(UploadRejected, match="PDF"):
        check_upload(io.BytesIO(png_bytes()), max_bytes=LIMIT, allowed=frozenset({"application/pdf"}))


def test_html_disguised_as_pdf_is_rejected():
    with pytest.raises(UploadRejected):
        check_upload(io.BytesIO(b"<html><script>alert(1)</script></html>"), max_bytes=LIMIT)

"""Input from anyone, read within bounds: deeply nested JSON and damaged PDFs get a clear answer, never a 500."""

import io
import json
import zlib

import pytest
from rest_framework.test import APIClient

from aipia import jsonlimits

DEEP = 200_000


@pytest.fixture
def issued(complete_dossier, applicant, django_capture_on_commit_callbacks):
    from dossiers import services as dossier_services

    from .credentials.test_issuance import approve

    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)
    return approve(complete_dossier, django_capture_on_commit_callbacks)


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


# --- deeply nested JSON --------------------------------------------------------------------------------------


def test_the_depth_scan_ignores_brackets_inside_strings_and_counts_the_rest():
    assert jsonlimits.depth('{"a": [1, {"b": "[[[{{{\\\\\\" ]]"}]}') == 3
    assert jsonlimits.depth("42") == 0
    with pytest.raises(jsonlimits.TooDeeplyNested):
        jsonlimits.loads(nested(jsonlimits.MAX_DEPTH + 1))
    assert jsonlimits.loads(nested(jsonlimits.MAX_DEPTH)) == json.loads(nested(jsonlimits.MAX_DEPTH))


@pytest.mark.parametrize(
    "body", [nested(DEEP), '{"payload": "x", "signatures": ' + nested(DEEP) + "}"], ids=["top level", "inside"]
)
def test_the_verification_api_answers_deeply_nested_json_with_a_400(db, body):
    response = APIClient().post("/api/v1/verifications", data=body.encode(), content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "too_deeply_nested"
    assert "nested" in response.json()["detail"]


def test_an_uploaded_file_or_pasted_text_of_deeply_nested_json_gets_a_clear_answer(db, client):
    upload = APIClient().post("/api/v1/verifications", {"file": io.BytesIO(nested(DEEP).encode())}, format="multipart")
    page = client.post("/verify/", {"json": nested(DEEP)})

    assert upload.status_code == 400 and upload.json()["code"] == "too_deeply_nested"
    assert page.status_code == 400 and "nested too deeply" in page.content.decode()


def test_any_api_answers_a_deeply_nested_body_with_a_400(applicant):
    api = APIClient()
    api.force_authenticate(applicant)

    response = api.post("/api/v1/dossiers/", data=nested(DEEP), content_type="application/json")

    assert response.status_code == 400 and "nested" in response.json()["detail"]


def test_a_sealed_credential_whose_payload_is_deeply_nested_is_not_verified_without_an_error(db):
    sealed = {"payload": nested(DEEP), "signatures": [{"protected": "e30", "signature": "AA"}]}

    response = APIClient().post("/api/v1/verifications", data=sealed, format="json")

    assert response.status_code == 200 and response.json()["valid"] is False


# --- damaged PDFs --------------------------------------------------------------------------------------------


def verify_pdf_upload(data: bytes):
    return APIClient().post("/api/v1/verifications", {"file": io.BytesIO(data)}, format="multipart")


def read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def streams(data: bytes) -> list[tuple[int, int]]:
    """Where each compressed stream's bytes are: (start, end) offsets."""
    found, start = [], 0
    while (start := data.find(b"stream\n", start)) != -1:
        end = data.find(b"endstream", start)
        found.append((start + len(b"stream\n"), end))
        start = end
    return found


def damaged_copies(pdf: bytes) -> dict[str, bytes]:
    """A corpus of damaged certificates, made from a genuine one."""
    copies = {}
    for number, (start, end) in enumerate(streams(pdf)):
        for where in (start + 2, (start + end) // 2, end - 3):
            changed = bytearray(pdf)
            changed[where] ^= 0x5A
            copies[f"stream {number} byte {where - start}"] = bytes(changed)
    xref = pdf.rfind(b"startxref")
    copies["startxref points nowhere"] = pdf[:xref] + b"startxref\n999999999\n%%EOF\n"
    copies["cross-reference table garbled"] = pdf.replace(b"xref", b"xrez")
    copies["truncated in half"] = pdf[: len(pdf) // 2]
    copies["truncated before the trailer"] = pdf[:xref]
    copies["header only"] = pdf[:9]
    copies["a zlib stream that never ends"] = pdf.replace(
        b"stream\n", b"stream\nx\x9c" + zlib.compress(b"0" * 10)[:4], 1
    )
    copies["encrypted"] = encrypted(pdf)
    return copies


def encrypted(pdf: bytes) -> bytes:
    """The certificate copied into a new, password-encrypted PDF."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(pdf), strict=False))
    writer.encrypt("owner-password", "user-password")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_every_damaged_copy_of_a_certificate_is_not_verified_and_never_an_error(issued):
    corpus = damaged_copies(read(issued.pdf))
    assert len(corpus) > 30

    for name, data in corpus.items():
        response = verify_pdf_upload(data)
        assert response.status_code in (200, 400), (name, response.status_code)
        if response.status_code == 200:
            answer = response.json()
            assert answer["valid"] is False, name
            assert answer["checks"][0]["name"] == "pdf" and answer["checks"][0]["result"] == "failed", name


def test_a_changed_byte_in_any_compressed_stream_reads_as_a_damaged_pdf(issued):
    pdf = read(issued.pdf)

    for start, end in streams(pdf):  # the embedded credential's stream among them
        changed = bytearray(pdf)
        changed[(start + end) // 2] ^= 0xFF
        response = verify_pdf_upload(bytes(changed))

        assert response.status_code == 200
        answer = response.json()
        assert answer["valid"] is False and answer["status"] == "unknown"
        assert (answer["checks"][0]["name"], answer["checks"][0]["result"]) == ("pdf", "failed")

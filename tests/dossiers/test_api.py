import pytest
from rest_framework.test import APIClient

from demo.files import pdf_bytes, png_bytes
from dossiers.models import DossierStatus

from ..factories import PASSWORD, UserFactory, member


@pytest.fixture
def api(applicant):
    client = APIClient()
    token = client.post("/api/v1/auth/token", {"email": applicant.email, "password": PASSWORD}, format="json")
    assert token.status_code == 200, token.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return client


def upload(api, dossier_id, data: bytes, name: str, kind: str = "evidence"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return api.post(
        f"/api/v1/dossiers/{dossier_id}/files/",
        {"file": SimpleUploadedFile(name, data), "kind": kind, "description": "proof"},
        format="multipart",
    )


def test_the_whole_applicant_journey_works_through_the_api(api, profile):
    created = api.post("/api/v1/dossiers/", {"profile": profile.code}, format="json")
    assert created.status_code == 201, created.content
    dossier_id = created.json()["id"]
    base = f"/api/v1/dossiers/{dossier_id}"

    assert upload(api, dossier_id, pdf_bytes(), "cv.pdf", "cv").status_code == 201
    evidence = upload(api, dossier_id, png_bytes(), "proof.png").json()
    assert evidence["content_type"] == "image/png" and len(evidence["sha256"]) == 64

    assert (
        api.patch(
            f"{base}/",
            {
                "cv_headline": "ML Engineer",
                "cv_summary": "Six years of production ML: MLOps pipelines, model serving and monitoring at scale.",
                "years_of_experience": 6,
                "highest_education": "MSc",
            },
            format="json",
        ).status_code
        == 200
    )
    assert (
        api.post(
            f"{base}/training/",
            {
                "title": "MLOps",
                "provider": "Uni",
                "start_date": "2022-01-01",
                "end_date": "2022-02-01",
                "hours": 30,
                "evidence": [evidence["id"]],
            },
            format="json",
        ).status_code
        == 201
    )
    codes = [c["code"] for c in api.get(f"/api/v1/profiles/{profile.code}/").json()["competences"]]
    assert (
        api.post(
            f"{base}/experience/",
            {
                "employer": "ACME",
                "role": "Engineer",
                "start_date": "2019-01-01",
                "description": "Serving.",
                "competences": codes[:2],
            },
            format="json",
        ).status_code
        == 201
    )
    assert (
        api.post(
            f"{base}/projects/",
            {
                "title": "Scoring",
                "role": "Lead",
                "description": "Realtime.",
                "outcomes": "Less fraud.",
                "links": ["https://example.org/x"],
            },
            format="json",
        ).status_code
        == 201
    )

    incomplete = api.post(f"{base}/submission")
    assert incomplete.status_code == 400
    assert incomplete.json()["code"] == "dossier_incomplete"
    assert len(incomplete.json()["missing"]) == len(codes)

    for code in codes:
        answer = api.put(
            f"{base}/self-assessments/{code}",
            {"claimed_level": 3, "justification": "Daily practice in production for several years, see projects."},
            format="json",
        )
        assert answer.status_code == 200, answer.content
    assert api.get(f"{base}/completeness").json() == {
        "complete": True,
        "missing": [],
        "membership_problem": None,
        "can_submit": True,
    }

    submitted = api.post(f"{base}/submission")
    assert submitted.status_code == 201, submitted.content
    assert submitted.json()["number"] == 1
    assert api.get(f"{base}/").json()["status"] == DossierStatus.SUBMITTED
    listing = api.get("/api/v1/dossiers/").json()
    assert [(d["id"], d["status"]) for d in listing] == [(dossier_id, "submitted")]
    assert [e["action"] for e in api.get(f"{base}/events").json()] == ["dossier.created", "dossier.submitted"]


def test_another_applicants_dossier_answers_404_everywhere(api, profile):
    other_owner = member()
    other = APIClient()
    other.force_authenticate(other_owner)
    theirs = other.post("/api/v1/dossiers/", {"profile": profile.code}, format="json").json()["id"]
    file_id = upload(other, theirs, pdf_bytes(), "cv.pdf", "cv").json()["id"]

    for url in [
        f"/api/v1/dossiers/{theirs}/",
        f"/api/v1/dossiers/{theirs}/completeness",
        f"/api/v1/dossiers/{theirs}/events",
        f"/api/v1/dossiers/{theirs}/files/{file_id}/",
        f"/api/v1/dossiers/{theirs}/files/{file_id}/download",
        f"/api/v1/dossiers/{theirs}/training/",
    ]:
        assert api.get(url).status_code == 404, url
    assert api.patch(f"/api/v1/dossiers/{theirs}/", {"cv_headline": "mine now"}, format="json").status_code == 404
    assert api.post(f"/api/v1/dossiers/{theirs}/submission").status_code == 404
    assert api.post(f"/api/v1/dossiers/{theirs}/withdrawal", {}, format="json").status_code == 404
    assert api.delete(f"/api/v1/dossiers/{theirs}/files/{file_id}/").status_code == 404
    assert upload(api, theirs, pdf_bytes(), "x.pdf").status_code == 404
    assert api.get("/api/v1/dossiers/").json() == []
    assert other.get(f"/api/v1/dossiers/{theirs}/").json()["cv_headline"] == ""


@pytest.mark.parametrize("url", ["/api/v1/dossiers/", "/api/v1/me"])
def test_anonymous_callers_are_refused(db, url):
    assert APIClient().get(url).status_code in (401, 403)


def test_the_owner_downloads_exactly_the_bytes_uploaded(api, profile):
    dossier_id = api.post("/api/v1/dossiers/", {"profile": profile.code}, format="json").json()["id"]
    data = png_bytes("exact")
    file_id = upload(api, dossier_id, data, "proof.png").json()["id"]
    response = api.get(f"/api/v1/dossiers/{dossier_id}/files/{file_id}/download")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "image/png"
    assert "attachment" in response["Content-Disposition"]


def test_a_renamed_executable_upload_is_refused_with_a_clear_message(api, profile):
    dossier_id = api.post("/api/v1/dossiers/", {"profile": profile.code}, format="json").json()["id"]
    response = upload(api, dossier_id, b"\x7fELF\x02\x01" + b"\x00" * 64, "report.pdf")
    assert response.status_code == 400
    assert "not an accepted type" in response.json()["detail"]
    assert api.get(f"/api/v1/dossiers/{dossier_id}/files/").json() == []


def test_an_empty_upload_is_refused(api, profile):
    dossier_id = api.post("/api/v1/dossiers/", {"profile": profile.code}, format="json").json()["id"]
    response = upload(api, dossier_id, b"", "empty.pdf")
    assert response.status_code == 400
    assert "empty" in response.json()["detail"]


def test_bad_input_is_answered_per_field_and_changes_nothing(api, profile):
    dossier_id = api.post("/api/v1/dossiers/", {"profile": profile.code}, format="json").json()["id"]
    response = api.post(
        f"/api/v1/dossiers/{dossier_id}/training/", {"title": "", "hours": -1, "start_date": "yesterday"}, format="json"
    )
    assert response.status_code == 400
    assert {"title", "hours", "start_date", "provider"} <= set(response.json())
    assert api.get(f"/api/v1/dossiers/{dossier_id}/training/").json() == []


def test_starting_a_second_dossier_for_the_same_profile_is_refused(api, profile):
    assert api.post("/api/v1/dossiers/", {"profile": profile.code}, format="json").status_code == 201
    second = api.post("/api/v1/dossiers/", {"profile": profile.code}, format="json")
    assert second.status_code == 400
    assert second.json()["code"] == "dossier_exists"


def test_the_token_endpoint_refuses_wrong_passwords_and_unverified_addresses(db):
    user = UserFactory(verified=False)
    client = APIClient()
    wrong = client.post("/api/v1/auth/token", {"email": user.email, "password": "nope-nope-nope"}, format="json")
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "bad_credentials"
    unverified = client.post("/api/v1/auth/token", {"email": user.email, "password": PASSWORD}, format="json")
    assert unverified.status_code == 403
    assert unverified.json()["code"] == "email_unverified"


def test_me_reports_membership_and_why_submission_is_not_possible(db):
    client = APIClient()
    client.force_authenticate(UserFactory())
    body = client.get("/api/v1/me").json()
    assert body["membership"] is None
    assert "not yet a member" in body["membership_problem"]


def test_the_openapi_schema_documents_the_dossier_api(db):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/auth/token",
        "/api/v1/profiles/",
        "/api/v1/dossiers/",
        "/api/v1/dossiers/{id}/submission",
        "/api/v1/dossiers/{id}/files/",
        "/api/v1/dossiers/{id}/self-assessments/{code}",
    ]:
        assert path in paths, path


def test_the_api_docs_are_served_without_any_cdn(db):
    import re

    html = APIClient().get("/api/docs/").content.decode()
    assert "swagger-ui" in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, "the page loads its assets from somewhere"
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources


def test_the_dossier_says_its_progress_by_the_same_rules_as_the_pages(api, dossier, applicant):
    from dossiers.completeness import SECTIONS, missing_items

    answer = api.get(f"/api/v1/dossiers/{dossier.pk}/").json()["progress"]

    assert answer["percent"] == 0 and answer["complete"] is False
    assert [(s["section"], s["done"]) for s in answer["sections"]] == [(key, False) for key in SECTIONS]
    assert sum(s["missing_count"] for s in answer["sections"]) == len(answer["missing"])
    assert answer["missing"][0] == {
        "section": "cv",
        "text": "CV: upload your CV as a PDF file.",
        "url": f"/dossiers/{dossier.pk}/cv/#id_file",
    }
    assert [m["text"] for m in answer["missing"]] == list(missing_items(dossier))


def test_a_complete_dossier_is_100_percent_in_the_api(api, complete_dossier):
    answer = api.get(f"/api/v1/dossiers/{complete_dossier.pk}/").json()["progress"]

    assert (answer["percent"], answer["complete"], answer["missing"]) == (100, True, [])
    assert all(s["done"] for s in answer["sections"])


def test_saving_the_cv_summary_through_the_api_answers_the_new_progress(api, dossier):
    answer = api.patch(
        f"/api/v1/dossiers/{dossier.pk}/", {"cv_headline": "ML Engineer", "years_of_experience": 3}, format="json"
    ).json()

    cv = [s for s in answer["progress"]["sections"] if s["section"] == "cv"]
    assert cv[0]["missing_count"] == 2  # the CV file and a summary long enough
    assert answer["progress"]["percent"] > 0


def test_the_openapi_schema_documents_the_progress_of_a_dossier(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]

    progress = components["DossierDetail"]["properties"]["progress"]
    assert progress == {"allOf": [{"$ref": "#/components/schemas/Progress"}], "readOnly": True}
    assert set(components["Progress"]["properties"]) == {"percent", "complete", "sections", "missing"}
    assert components["Progress"]["properties"]["percent"]["maximum"] == 100
    assert set(components["MissingItem"]["properties"]) == {"section", "text", "url"}
    assert set(components["SectionProgress"]["properties"]) == {"section", "label", "done", "missing_count"}

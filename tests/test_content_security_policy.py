"""Every page carries a strict Content-Security-Policy; the browser walk (tests/e2e) shows no page breaks it."""

import re

import pytest


def directives(header: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


@pytest.mark.parametrize("path", ["/", "/verify/", "/register/", "/profiles/", "/accounts/login/", "/api/docs/"])
def test_every_page_allows_scripts_and_styles_only_from_our_own_files(client, db, path):
    response = client.get(path)

    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]


def test_no_template_of_ours_has_an_inline_script_style_or_handler():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "templates"
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style(?![^>]*nonce=)|\sstyle=\"|\son[a-z]+=\"", re.IGNORECASE)
    offenders = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in root.rglob("*.html")
        if "email" not in path.parts
        for match in inline.finditer(path.read_text())
    ]
    assert offenders == []


def test_the_api_docs_inline_style_carries_the_nonce_the_policy_names(client, db):
    response = client.get("/api/docs/")

    nonce = re.search(r'<style nonce="([^"]+)"', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in directives(response["Content-Security-Policy"])["style-src"]
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")

"""Every event of a history reads as a sentence (accounts/history.py), and every code the code base writes has one."""

import ast
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from accounts import history

ROOT = Path(__file__).resolve().parents[2]
APPS = ["aipia", "accounts", "profiles", "dossiers", "assessments", "credentials", "desk", "quality", "demo"]
CODE = r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+"


def _strings(node: ast.AST, names: dict[str, list[ast.AST]], seen: frozenset[str] = frozenset()) -> set[str]:
    """The string constants ``node`` can evaluate to: its literals, and those of the names it uses, followed to their
    assignments (``action = "a" if x else "b"``, ``STATEMENT_ACTION = "attestation.statement"``)."""
    found: set[str] = set()
    for part in ast.walk(node):
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            found.add(part.value)
        elif isinstance(part, ast.Name) and part.id not in seen:
            for value in names.get(part.id, []):
                found |= _strings(value, names, seen | {part.id})
    return found


def written_event_codes() -> dict[str, str]:
    """Every event code the code base can write, with where: the value of each ``action=`` argument (an event's
    creation, ``_record``, ``record_event``, ``change_status``…) or ``"action"`` key, literal or through a name
    assigned in the same module or as a module constant anywhere. Tests and migrations are not the code base."""
    pattern = re.compile(rf"^{CODE}$")
    trees = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                trees[path] = ast.parse(path.read_text(), filename=str(path))
    constants: dict[str, list[ast.AST]] = {}
    for tree in trees.values():
        for statement in tree.body:
            if isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if isinstance(target, ast.Name):
                        constants.setdefault(target.id, []).append(statement.value)
    codes: dict[str, str] = {}
    for path, tree in trees.items():
        names = {k: list(v) for k, v in constants.items()}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if isinstance(target, ast.Name):
                        names.setdefault(target.id, []).append(node.value)
        for node in ast.walk(tree):
            values: list[ast.expr] = []
            if isinstance(node, ast.Call):
                values = [keyword.value for keyword in node.keywords if keyword.arg == "action"]
            elif isinstance(node, ast.Dict):  # Event(**{"action": …}), bulk_create from dicts
                pairs = zip(node.keys, node.values, strict=True)
                values = [v for k, v in pairs if isinstance(k, ast.Constant) and k.value == "action"]
            for value in values:
                for code in _strings(value, names):
                    if pattern.match(code):
                        codes.setdefault(code, f"{path.relative_to(ROOT)}:{value.lineno}")
    return codes


def test_the_scan_finds_the_codes_written_as_literals_through_variables_and_through_constants():
    codes = written_event_codes()

    assert {
        "dossier.created",  # a literal
        "dossier.resubmitted",  # a variable set by a conditional expression
        "assessment.interview_needed",  # the same, passed on to another app's service
        "appeal.overturned",  # a conditional expression in the argument
        "attestation.statement",  # a module constant
        "credential.reminder_sent",
        "renewal.more_info",  # through a helper that takes the code as an argument
    } <= set(codes)
    assert not {"store_true", "append"} & set(codes)  # argparse's actions are not event codes


def test_every_event_code_the_code_base_writes_has_a_sentence():
    missing = {code: where for code, where in written_event_codes().items() if code not in history.registered_codes()}

    assert not missing, f"Give these event codes a sentence in their app's history.py: {missing}"


def test_every_sentence_is_for_a_code_the_code_base_writes():
    stale = history.registered_codes() - set(written_event_codes())

    assert not stale, f"No code writes these events any more: {sorted(stale)}"


@pytest.mark.parametrize("code", sorted(history.registered_codes()))
def test_each_sentence_is_a_sentence_and_not_the_code(code):
    sentence = history.describe(code)

    assert sentence and sentence != code and "." not in sentence.rstrip(".") and "_" not in sentence
    assert sentence[0].isupper()


def test_events_read_as_sentences():
    assert history.describe("dossier.created") == "Dossier created"
    assert history.describe("credential.reminder_sent") == "Renewal reminder sent"


def test_a_sentence_reads_in_the_language_of_whoever_looks():
    with translation.override("it"):
        upheld = history.describe("appeal.upheld")
    english = history.describe("appeal.upheld")

    assert (upheld, english) == ("Rigetto confermato", "Rejection upheld")


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("credential.something_new", "Credential something new"),
        ("dossier.archived", "Dossier archived"),
        ("odd", "Odd"),
        ("", ""),
    ],
)
def test_an_unknown_code_reads_as_its_words_rather_than_failing(code, words):
    assert history.describe(code) == words


def test_an_app_cannot_give_another_apps_code_a_second_sentence():
    with pytest.raises(ValueError, match=r"dossier\.created"):
        history.register_events({"dossier.created": "Something else"})
    assert history.describe("dossier.created") == "Dossier created"


def test_the_template_filter_gives_the_sentence():
    page = Template("{% load history %}{{ a|describe_event }} / {{ b|describe_event }}").render(
        Context({"a": "credential.reminder_sent", "b": "credential.brand_new"})
    )

    assert page == "Renewal reminder sent / Credential brand new"

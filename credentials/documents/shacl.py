"""Conformance of a European Digital Credential to the official EDC SHACL shapes.

The credential is expanded with pyld, turned into an rdflib graph and validated with pySHACL against
``EDC-generic-no-cv.ttl`` + ``EDC-generic-full.ttl``. Everything is read from one directory (``edc_dir``):
the two JSON-LD contexts an EDC may use and the two shape files. Nothing is ever fetched from the
network: the document loader refuses every URL it has no file for, and ``owl:imports`` is not followed
(the full shapes import the no-cv shapes; both are loaded here explicitly).

Pure module: no Django, no database.
"""

from __future__ import annotations

import copy
import functools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyshacl
from pyld import jsonld
from pyld.context_resolver import ContextResolver
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

CONTEXT_FILES: dict[str, str] = {
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.jsonld",
    "http://data.europa.eu/snb/model/context/edc-ap": "edc-ap-context.jsonld",
}
SHAPE_FILES: tuple[str, ...] = ("EDC-generic-no-cv.ttl", "EDC-generic-full.ttl")
STATUS_PURPOSES = ("revocation", "suspension", "refresh", "message")  # W3C Bitstring Status List v1.0

_RDF_LANG_STRING = str(RDF.langString)

DocumentLoader = Callable[[str, dict[str, Any]], dict[str, Any]]


class ContextNotAvailableError(Exception):
    """A JSON-LD document referred to a URL that is not one of the EDC contexts kept in ``edc_dir``."""


@dataclass(frozen=True)
class ShaclReport:
    conforms: bool
    messages: list[str]


def check_conformance(credential: dict[str, Any], *, edc_dir: Path, earlier_status_form: bool = False) -> ShaclReport:
    """Validate ``credential`` (an unsealed EDC, i.e. a sealed credential's payload) against the EDC shapes.

    A document that cannot be read as JSON-LD with the EDC contexts (a syntax error, a context other than
    the two EDC ones) does not conform; its report carries one message saying why. Missing files in
    ``edc_dir`` raise ``FileNotFoundError``: that is a deployment error, not a property of the credential.

    The check is exactly the official one, except with ``earlier_status_form``, the labelled legacy path for
    credentials we issued in the earlier form (docs/decisions/0003): the shapes declare ``credentialStatus``
    as at most one ``xsd:anyURI`` literal, and those credentials carry two W3C ``BitstringStatusListEntry``
    objects instead. Such entries are then checked here for their W3C structure, and everything else by the
    shapes; anything else in ``credentialStatus`` still goes to the shapes.
    """
    checker = _checker(Path(edc_dir).resolve())
    problems: list[str] = []
    if earlier_status_form and _is_status_list(credential.get("credentialStatus")):
        problems = _status_entry_problems(credential["credentialStatus"])
        credential = {key: value for key, value in credential.items() if key != "credentialStatus"}
    try:
        data_graph = checker.to_graph(credential)
    except jsonld.JsonLdError as error:
        return ShaclReport(conforms=False, messages=[f"JSON-LD: {_root_cause(error)}", *problems])
    conforms, results_graph, _text = pyshacl.validate(
        data_graph,
        shacl_graph=checker.shapes,
        inference="none",
        advanced=False,
        do_owl_imports=False,
        allow_warnings=False,
        allow_infos=True,
        inplace=True,  # the data graph is ours and thrown away; spare pySHACL a copy
    )
    return ShaclReport(conforms=bool(conforms) and not problems, messages=_messages(results_graph) + problems)


def _is_status_list(value: Any) -> bool:
    entries = _as_list(value)
    return bool(entries) and all(
        isinstance(entry, dict) and "BitstringStatusListEntry" in _as_list(entry.get("type")) for entry in entries
    )


def _status_entry_problems(value: Any) -> list[str]:
    problems = []
    for entry in _as_list(value):
        where = f"credentialStatus {entry.get('id', '(no id)')}"
        if entry.get("statusPurpose") not in STATUS_PURPOSES:
            problems.append(f"{where}: statusPurpose {entry.get('statusPurpose')!r} is not one of {STATUS_PURPOSES}")
        index = entry.get("statusListIndex")
        if not (isinstance(index, str) and index.isascii() and index.isdigit()):
            problems.append(f"{where}: statusListIndex {index!r} is not a non-negative integer written as a string")
        url = entry.get("statusListCredential")
        if not (isinstance(url, str) and urlsplit(url).scheme in ("https", "http") and urlsplit(url).netloc):
            problems.append(f"{where}: statusListCredential {url!r} is not an absolute URL")
    return problems


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def offline_document_loader(edc_dir: Path) -> DocumentLoader:
    """A pyld document loader serving the EDC contexts from files in ``edc_dir`` and refusing anything else."""
    documents: dict[str, Any] = {}
    lock = threading.Lock()

    def load(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        filename = CONTEXT_FILES.get(url)
        if filename is None:
            raise ContextNotAvailableError(f"{url} is not an EDC context available offline; it is not fetched")
        with lock:
            if url not in documents:
                documents[url] = json.loads((Path(edc_dir) / filename).read_text(encoding="utf-8"))
        # "static" lets pyld keep the processed context for the loader's own resolver cache.
        document = copy.deepcopy(documents[url])  # pyld must not be able to alter the next caller's copy
        return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}

    return load


class _Checker:
    """Shapes and contexts of one ``edc_dir``, parsed once."""

    def __init__(self, edc_dir: Path) -> None:
        self.loader = offline_document_loader(edc_dir)
        # A private cache of processed contexts, so that a context another part of the process resolved
        # with a different loader (perhaps from the network) is never used here.
        self._context_cache: dict[str, Any] = {}
        self.shapes = Graph()
        for filename in SHAPE_FILES:
            self.shapes.parse(edc_dir / filename, format="turtle")
        for url in CONTEXT_FILES:  # fail early, and read each file once
            self.loader(url, {})

    def to_graph(self, document: dict[str, Any]) -> Graph:
        dataset = jsonld.to_rdf(
            document,
            {
                "documentLoader": self.loader,
                "contextResolver": ContextResolver(self._context_cache, self.loader),
                "base": "",
            },
        )
        graph = Graph()
        for triple in dataset.get("@default", []):
            graph.add((_term(triple["subject"]), _term(triple["predicate"]), _term(triple["object"])))
        return graph


@functools.lru_cache(maxsize=4)
def _checker(edc_dir: Path) -> _Checker:
    return _Checker(edc_dir)


def _term(node: dict[str, str]) -> URIRef | BNode | Literal:
    if node["type"] == "IRI":
        return URIRef(node["value"])
    if node["type"] == "blank node":
        return BNode(node["value"].removeprefix("_:"))
    if "language" in node:
        return Literal(node["value"], lang=node["language"])
    datatype = node.get("datatype")
    if datatype == _RDF_LANG_STRING:  # pragma: no cover - pyld always gives a language with langString
        datatype = None
    return Literal(node["value"], datatype=URIRef(datatype) if datatype else None)


def _messages(results: Graph) -> list[str]:
    messages = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        text = results.value(result, SH.resultMessage)
        value = results.value(result, SH.value)
        where = f"{focus}" + (f" {_short(results, path)}" if path is not None else "")
        detail = f"{text}" + (f" (value: {value})" if value is not None and str(value) not in f"{text}" else "")
        severity = results.value(result, SH.resultSeverity)
        if severity is not None and severity != SH.Violation:
            detail = f"({_short(results, severity)}) {detail}"
        messages.append(f"{where}: {detail}")
    return sorted(messages)


def _short(graph: Graph, term: Any) -> str:
    if isinstance(term, URIRef):
        return graph.namespace_manager.normalizeUri(term)
    return str(term)


def _root_cause(error: BaseException) -> str:
    while error.__cause__ is not None:
        error = error.__cause__
    return str(error)

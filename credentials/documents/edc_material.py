"""The official EDC material a verifier needs on disk: two JSON-LD contexts and two SHACL shape files.

The files are never part of the repository and never fetched at run time. The install step
(``manage.py install_edc_material``, run by ``make install`` and the Dockerfile) puts them into ``EDC_DIR``,
taking each one from the first source that has it:

1. a mirror: ``EDC_MIRROR`` (a folder, or a base URL under which the files sit by their names), or else a
   folder that holds a local mirror, such as ``../shared/edc`` beside the checkout;
2. its official URL (content negotiation asks for JSON-LD or Turtle).

Whatever its source, a file is written only when its SHA-256 is one of the pinned digests below: the official
file's, or a known mirror's where that mirror serves other bytes with the same content (the W3C context,
re-serialised). Anything else is refused and left out. The step never fails for want of the files: it says
which are missing and how to get them, and verification then reports the format check as not done.

Pure module: no Django, no settings; the caller passes the folders and, for tests, the opener.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# A file larger than this is not one of ours (the largest, the full shapes, is about 150 KB).
MAX_FILE_BYTES = 4 * 1024 * 1024
TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class MaterialFile:
    name: str  # its name in EDC_DIR and in a mirror
    url: str  # where it is published
    accept: str  # the media type to ask its URL for
    official_sha256: str  # the bytes published at ``url``
    mirror_sha256: tuple[str, ...] = ()  # mirrors known to serve the same content as other bytes

    @property
    def digests(self) -> frozenset[str]:
        return frozenset((self.official_sha256, *self.mirror_sha256))


FILES: tuple[MaterialFile, ...] = (
    MaterialFile(
        name="credentials-v1.jsonld",
        url="https://www.w3.org/2018/credentials/v1",
        accept="application/ld+json, application/json;q=0.9",
        # The file W3C serves (unchanged since 2021). The shared mirror re-serialises the same context from the
        # npm package credentials-context 2.0.0, hence a second digest.
        official_sha256="ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc",
        mirror_sha256=("00d7dd6d3ad8b920e3e550dd3a3d9090bffcac84cdbf943da6924b3e0a5c8bb8",),
    ),
    MaterialFile(
        name="edc-ap-context.jsonld",
        url="http://data.europa.eu/snb/model/context/edc-ap",
        accept="application/ld+json, application/json;q=0.9",
        official_sha256="528f8a0e86dbbec7db2216c61806e6311feedac77a51d1a38b0a1d49e4c337fb",
    ),
    MaterialFile(
        name="EDC-generic-no-cv.ttl",
        url="http://data.europa.eu/snb/model/ap/edc-generic-no-cv",
        accept="text/turtle",
        official_sha256="14e691293cad67283301f032b946fdf104687547327bfd0eef747afa3316115d",
    ),
    MaterialFile(
        name="EDC-generic-full.ttl",
        url="http://data.europa.eu/snb/model/ap/edc-generic-full",
        accept="text/turtle",
        official_sha256="5e409f5bb79e0013867f63b8e5174ae4013bb971a0d729fd77ba2fb531e1be8b",
    ),
)

# Reads a URL: ``opener(url, accept)`` returns the body, or raises OSError (urllib's errors are OSErrors).
Opener = Callable[[str, str], bytes]

INSTALLED, PRESENT, REFUSED, UNAVAILABLE = "installed", "present", "refused", "unavailable"


@dataclass(frozen=True)
class Outcome:
    name: str
    result: str  # installed | present | refused | unavailable
    source: str = ""  # where the installed file came from
    problems: tuple[str, ...] = ()  # why each source failed


@dataclass(frozen=True)
class InstallReport:
    folder: Path
    outcomes: tuple[Outcome, ...]

    @property
    def complete(self) -> bool:
        return all(outcome.result in (INSTALLED, PRESENT) for outcome in self.outcomes)

    @property
    def missing(self) -> list[str]:
        return [outcome.name for outcome in self.outcomes if outcome.result not in (INSTALLED, PRESENT)]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def problems(folder: Path) -> list[str]:
    """What is wrong with the material in ``folder``: one sentence per missing or unrecognised file."""
    found = []
    for item in FILES:
        path = Path(folder) / item.name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            found.append(f"{item.name} is missing")
            continue
        except OSError as error:
            found.append(f"{item.name} cannot be read ({error.strerror or error.__class__.__name__})")
            continue
        if sha256(data) not in item.digests:
            found.append(f"{item.name} is not the official file (its SHA-256 matches no pinned digest)")
    return found


def is_complete(folder: Path) -> bool:
    return not problems(folder)


def install(
    folder: Path,
    *,
    mirrors: Sequence[str] = (),
    official: bool = True,
    opener: Opener | None = None,
) -> InstallReport:
    """Put every file of :data:`FILES` into ``folder``; files already there with a pinned digest are kept.

    ``mirrors``: folders or base URLs, tried in order before the official URLs (``official=False`` skips
    those). Never raises for an unavailable or refused file: the report says what happened to each.
    Writes each file atomically (a temporary file renamed into place), so a reader never sees half a file.
    """
    folder = Path(folder)
    opener = opener or read_url
    outcomes = []
    for item in FILES:
        target = folder / item.name
        if target.is_file() and sha256(target.read_bytes()) in item.digests:
            outcomes.append(Outcome(item.name, PRESENT, source=str(target)))
            continue
        tried: list[str] = []
        refused = False
        for source, read in _sources(item, mirrors, official, opener):
            try:
                data = read()
            except (OSError, ValueError) as error:
                tried.append(f"{source}: {_reason(error)}")
                continue
            if sha256(data) not in item.digests:
                refused = True
                tried.append(f"{source}: refused, its SHA-256 {sha256(data)} matches no pinned digest")
                continue
            folder.mkdir(parents=True, exist_ok=True)
            _write_atomically(target, data)
            outcomes.append(Outcome(item.name, INSTALLED, source=source, problems=tuple(tried)))
            break
        else:
            outcomes.append(Outcome(item.name, REFUSED if refused else UNAVAILABLE, problems=tuple(tried)))
    return InstallReport(folder=folder, outcomes=tuple(outcomes))


def mirrors_from(configured: str, local_candidates: Iterable[Path]) -> list[str]:
    """The mirrors to try: ``configured`` (``EDC_MIRROR``) when set, otherwise the first local folder among
    ``local_candidates`` that holds the files (e.g. ``../shared/edc`` beside the checkout)."""
    if configured.strip():
        return [configured.strip()]
    for candidate in local_candidates:
        if all((Path(candidate) / item.name).is_file() for item in FILES):
            return [str(candidate)]
    return []


def describe(report: InstallReport) -> list[str]:
    """Lines for people: what was installed from where, and what is missing, why, and how to get it."""
    lines = []
    for outcome in report.outcomes:
        if outcome.result == INSTALLED:
            lines.append(f"  {outcome.name}: installed from {outcome.source}")
        elif outcome.result == PRESENT:
            lines.append(f"  {outcome.name}: already installed")
        else:
            label = "REFUSED" if outcome.result == REFUSED else "MISSING"
            lines.append(f"  {outcome.name}: {label}")
            lines += [f"      {problem}" for problem in outcome.problems] or ["      no source was tried"]
    if not report.complete:
        lines += [
            "",
            f"Missing in {report.folder}: {', '.join(report.missing)}.",
            "Without them, verification still checks seals, issuers and status, and reports the format check",
            "(conformance to the official EDC shapes) as not done. To install them, either:",
            "  - run this again where the official URLs can be reached:",
            *[f"      {item.url}  ->  {item.name}" for item in FILES if item.name in report.missing],
            "  - or set EDC_MIRROR to a folder or base URL that holds these files (e.g. a copy downloaded",
            "    elsewhere) and run this again; every file is checked against its pinned SHA-256.",
        ]
    return lines


def read_url(url: str, accept: str) -> bytes:
    """GET ``url`` (following redirects), at most :data:`MAX_FILE_BYTES`; raises OSError when it fails."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "aipia-credentials-install"})  # noqa: S310 - scheme checked above
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        data = response.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES} bytes")
    return data


def _sources(
    item: MaterialFile, mirrors: Sequence[str], official: bool, opener: Opener
) -> Iterable[tuple[str, Callable[[], bytes]]]:
    for mirror in mirrors:
        if mirror.startswith(("https://", "http://")):
            url = mirror.rstrip("/") + "/" + item.name
            yield url, functools.partial(opener, url, item.accept)
        else:
            path = Path(mirror).expanduser() / item.name
            yield str(path), functools.partial(_read_file, path)
    if official:
        yield item.url, functools.partial(opener, item.url, item.accept)


def _read_file(path: Path) -> bytes:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES} bytes")
    return path.read_bytes()


def _reason(error: BaseException) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    if isinstance(error, urllib.error.URLError):
        return f"cannot be reached ({error.reason})"
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, OSError):
        return error.strerror or error.__class__.__name__
    return str(error)


def _write_atomically(target: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

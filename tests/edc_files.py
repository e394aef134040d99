"""Where the tests find the official EDC files.

- The *material* (contexts and shapes) is what the application reads: ``settings.EDC_DIR``, filled by
  ``make install`` (``manage.py install_edc_material``). Tests needing it are skipped when it is missing, unless
  ``EDC_REQUIRED=1`` (CI), where they fail instead.
- The sealed Europass *samples* are read by path from the shared mirror beside the checkout; they are never
  installed or copied.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

from credentials.documents import edc_material

SAMPLES_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "edc"
SAMPLES = ("sample-europass-microcredential-sealed.jsonld", "sample-europass-participation-sealed.jsonld")


def material_dir() -> Path:
    return Path(settings.EDC_DIR)


_missing = edc_material.problems(material_dir())
needs_edc_material = pytest.mark.skipif(
    bool(_missing) and not os.environ.get("EDC_REQUIRED"),
    reason=f"official EDC material not installed ({'; '.join(_missing)}): run `make install`",
)
needs_samples = pytest.mark.skipif(
    not SAMPLES_DIR.is_dir() and not os.environ.get("EDC_REQUIRED"),
    reason=f"the Europass samples are not at {SAMPLES_DIR}",
)

"""An evidence file or CV as a download: named by us (``cv-12.pdf``, ``evidence-34.png``), never by its uploader."""

from django.http import FileResponse

from aipia.downloads import private_file_response

from .models import EvidenceFile


def evidence_file_response(evidence: EvidenceFile) -> FileResponse:
    return private_file_response(
        evidence.file, name=f"{evidence.kind}-{evidence.pk}", content_type=evidence.content_type
    )

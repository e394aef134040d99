"""Signals other apps listen to. Sent inside the transaction of the change they announce."""

from django.dispatch import Signal

# Sent by submit_dossier with ``dossier`` and ``submission`` once the dossier is (re)submitted.
dossier_submitted = Signal()

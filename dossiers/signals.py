"""Signals other apps listen to. Sent inside the transaction of the change they announce."""

from django.dispatch import Signal

# Sent by submit_dossier with ``dossier`` and ``submission`` once the dossier is (re)submitted.
dossier_submitted = Signal()

# Sent by every status change of a dossier, inside its transaction, with ``dossier``, ``from_status``,
# ``to_status``, ``actor`` and ``event``. The credentials app starts issuance on approval.
dossier_status_changed = Signal()

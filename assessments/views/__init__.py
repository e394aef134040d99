"""HTML pages of the certification committee, one module per step: ``dashboard`` (and the impartiality
declaration), ``dossiers`` (the committee's page of a dossier and the secretariat's actions on it),
``assignments`` (the conflict-of-interest declaration, scoring, the dossier's files), ``interviews`` and
``decisions`` (decision and appeal); what they share is in ``common``.

Every view parses its input with a form, finds its object through the selectors (what the user may not
see answers 404), calls one service and renders or redirects; the context of each page comes from
assessments/pages.py. A service's DomainError is shown next to the form, which keeps what the user typed;
nothing is changed. Only committee users (staff or members of a committee) reach these pages.
"""

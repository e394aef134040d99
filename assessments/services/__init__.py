"""The committee's verbs, one module per step: ``declarations``, ``assignments``, ``scoresheets``,
``interviews``, ``decisions``, ``appeals``, over the guards they share in ``common``. Callers import the step:
``from assessments.services import scoresheets``. The reads are in assessments/selectors.py.
"""

"""How dates and times are written in each language (settings.FORMAT_MODULE_PATH), stated here rather than left
to Django's defaults, which change between releases and write Italian dates as "03 Dicembre 2026".

Only the display formats are ours; anything not named in a language's module (the input formats, the separators)
is Django's for that language.

Italian writes months in lower case ("3 dicembre 2026") while Django's Italian catalogue capitalises them: the
month names below are marked for translation so that ``makemessages`` keeps them in our catalogue
(locale/it/LC_MESSAGES/django.po), which takes precedence over Django's. They are the same messages, with the
same contexts, as django/utils/dates.py's MONTHS (``F`` in a format) and MONTHS_ALT (``E``).
"""

from django.utils.translation import gettext_lazy, pgettext_lazy

MONTHS = (
    gettext_lazy("January"),
    gettext_lazy("February"),
    gettext_lazy("March"),
    gettext_lazy("April"),
    gettext_lazy("May"),
    gettext_lazy("June"),
    gettext_lazy("July"),
    gettext_lazy("August"),
    gettext_lazy("September"),
    gettext_lazy("October"),
    gettext_lazy("November"),
    gettext_lazy("December"),
)
MONTHS_ALT = (
    pgettext_lazy("alt. month", "January"),
    pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"),
    pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"),
    pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"),
    pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"),
    pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"),
    pgettext_lazy("alt. month", "December"),
)

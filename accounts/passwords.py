"""Password rules with their messages in our catalogue.

Django 5.2 words the minimum-length refusal with a plain ``%d`` that its Italian catalogue does not have yet,
so Italian users read it in English; this validator says the same in our words, in both languages.
"""

from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.utils.translation import ngettext


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short: it must contain at least %(min_length)d character.",
            "This password is too short: it must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}

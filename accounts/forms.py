from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import User


class SignupForm(forms.Form):
    """Extra fields of allauth's sign-up form (allauth supplies email and passwords)."""

    first_name = forms.CharField(
        label=_("First name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )

    field_order = ["first_name", "last_name", "email", "password1", "password2"]

    def signup(self, request, user: User) -> None:
        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        lang = getattr(request, "LANGUAGE_CODE", "en")
        user.preferred_language = lang if lang in dict(settings.LANGUAGES) else "en"
        user.save(update_fields=["first_name", "last_name", "preferred_language"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "preferred_language"]

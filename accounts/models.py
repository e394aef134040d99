"""People: users who log in by email, their role, and their membership of the association."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager
    from knox.models import AuthToken


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", User.Role.ADMIN)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    class Role(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        ASSESSOR = "assessor", _("Assessor")
        DECISION_MAKER = "decision_maker", _("Decision maker")
        ADMIN = "admin", _("Administrator")

    username = None  # type: ignore[assignment]  # login is by email
    email = models.EmailField(_("email address"), unique=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.APPLICANT)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=[("en", "English"), ("it", "Italiano")], default="en"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]
    # Set by AbstractBaseUser.set_password() until the next save; the stubs do not declare it.
    _password: str | None
    if TYPE_CHECKING:
        auth_token_set: RelatedManager[AuthToken]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs) -> None:
        # A new password revokes every API token (accounts/tokens.py), whichever way it was set: the password
        # change and reset pages, the admin, manage.py changepassword. set_password() leaves the new password
        # in _password until the save, which is the one place all those ways pass through.
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            self.auth_token_set.all().delete()

    @property
    def is_committee_member(self) -> bool:
        return self.role in {self.Role.ASSESSOR, self.Role.DECISION_MAKER, self.Role.ADMIN}


class Membership(models.Model):
    """A person's membership of the association: the prerequisite for submitting a dossier."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        LAPSED = "lapsed", _("Lapsed")
        SUSPENDED = "suspended", _("Suspended")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    member_number = models.CharField(_("member number"), max_length=30, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    valid_until = models.DateField(_("valid until"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("membership")

    def __str__(self) -> str:
        return f"{self.member_number} ({self.get_status_display()})"

    def is_in_good_standing(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.status == self.Status.ACTIVE and self.valid_until >= on

import datetime

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import Membership, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"applicant{n}@example.org")
    first_name = "Ada"
    last_name = factory.Sequence(lambda n: f"Lovelace{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        obj.save()
        if extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    member_number = factory.Sequence(lambda n: f"AIPIA-{n:05d}")
    status = Membership.Status.ACTIVE
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=200))


def member(**kwargs) -> User:
    """A verified user who is a member in good standing."""
    return MembershipFactory(**{f"user__{k}": v for k, v in kwargs.items()}).user


def enrol_authenticator(user: User) -> str:
    """Give ``user`` a TOTP authenticator, as the enrolment page does; returns its secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def current_code(secret: str) -> str:
    """The code an authenticator app with ``secret`` shows now."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))

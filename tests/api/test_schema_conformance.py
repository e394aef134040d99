"""The API answers as its OpenAPI schema says: schemathesis generates requests for every operation from the
schema and checks each answer (no 5xx, a documented status code and content type, a body that matches the
documented schema), as an administrator and as an applicant."""

import json

import pytest
import schemathesis
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from knox.models import AuthToken
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.models import User

from ..factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.slow]


@pytest.fixture(autouse=True)
def _one_connection_for_the_test():
    """Requests go straight to the WSGI application, whose end-of-request hook closes the database connection
    (CONN_MAX_AGE) and with it the test's transaction; Django's own test client unhooks it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db):
    admin = UserFactory(role=User.Role.ADMIN, is_staff=True)
    applicant = MembershipFactory().user
    return {who: AuthToken.objects.create(user=user)[1] for who, user in [("admin", admin), ("applicant", applicant)]}


def _load_schema() -> schemathesis.schemas.BaseSchema:
    """The schema the application serves at /api/schema/, generated without a request, and the application to
    send the generated requests to (in-process, in the test's database transaction)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(generated, cls=DjangoJSONEncoder)))
    loaded.app = get_wsgi_application()
    return loaded


# An Open Badge (a compact JWS) is sent to the verification API as text of its own media type.
schemathesis.serializer.alias("application/vc+jwt", "text/plain")
# So is an SD-JWT VC, as a wallet presents it.
schemathesis.serializer.alias("application/dc+sd-jwt", "text/plain")
schema = _load_schema()
SEMANTIC_INPUT = {
    "POST /api/v1/verifications",
    "POST /api/v1/dossiers/",
    "POST /api/v1/external-certifications",
    "POST /api/v1/bulk-jobs",
    "GET /api/v1/reports/period",
    "GET /api/v1/quality/personnel",
    "POST /api/v1/quality/risks",
    "POST /api/v1/quality/risks/{risk_id}/reviews",
    "POST /api/v1/quality/personnel/{user_id}/records",
    # The wallet protocol: a schema can say what a token request or a credential request looks like, not which
    # pre-authorized codes, access tokens, nonces or proofs are real (docs/wallets.md).
    "POST /wallet/token",
    "POST /wallet/credential",
    "GET /wallet/offers/{code}",
    "GET /wallet/types/{kind}",
    "GET /status/tokens/{number}",
    "POST /api/v1/credentials/{id}/wallet-offers",
    "DELETE /api/v1/credentials/{id}/wallet-offers/{offer_id}",
    # A schema can say that a receiver's address is a URL, not that its host resolves to a public address
    # (private, loopback and link-local receivers are refused: docs/webhooks.md).
    "POST /api/v1/webhooks",
    "PATCH /api/v1/webhooks/{id}",
}


@schema.parametrize()
@hypothesis_settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case, tokens, catalogue):
    # A schema can say that a verification takes a file, not that the file is a sealed credential, and that a
    # dossier names a profile by its code or a bulk job its credentials by id, not which codes and ids exist:
    # random bytes and unknown codes or ids are rightly a 400, which the positive-data check would call a
    # rejected valid request. Nor can it say that a period's last day comes after its first, or that a review
    # date lies ahead and a qualification's date behind.
    excluded = [positive_data_acceptance] if case.operation.label in SEMANTIC_INPUT else []
    for token in tokens.values():
        case.call_and_validate(headers={"Authorization": f"Token {token}"}, excluded_checks=excluded)

import pytest

from lacs.models import AuditEvent, Role, RoleAssignment
from tests.conftest import make_user


@pytest.fixture
def servant(entity):
    return make_user(Role.SERVANT, entity)


@pytest.fixture
def appointment(servant):
    return RoleAssignment.objects.get(user=servant, role=Role.SERVANT)


@pytest.fixture
def audit_count():
    return lambda action=None: (
        AuditEvent.objects.filter(action=action) if action else AuditEvent.objects
    ).count()

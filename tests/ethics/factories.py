"""Factories of the ethics app."""

import datetime as dt

import factory
from django.utils import timezone

from ethics.models import (
    CodeVersion,
    Declaration,
    DeclarationKind,
    DeclarationStatus,
    Gift,
    GiftDecision,
    GiftKind,
    GiverKind,
)
from lacs.models import Role
from tests.factories import EntityFactory, RoleAssignmentFactory, UserFactory


def sample_interest() -> dict:
    """A declaration naming two companies, a partner's holding and a natural-person client."""
    return {
        "participacion": {
            "participacion": [
                {
                    "tipoOperacion": "AGREGAR",
                    "tipoRelacion": "DECLARANTE",
                    "nombreEmpresaSociedadAsociacion": "Constructora Azteca SA de CV",
                    "rfc": "CAZ010101AB1",
                    "porcentajeParticipacion": 20,
                    "tipoParticipacion": {"clave": "ACCI", "valor": "ACCIONISTA"},
                    "recibeRemuneracion": False,
                    "ubicacion": {"pais": "MX"},
                    "sector": {"clave": "CONS", "valor": "CONSTRUCCIÓN"},
                },
                {
                    "tipoOperacion": "AGREGAR",
                    "tipoRelacion": "PAREJA",
                    "nombreEmpresaSociedadAsociacion": "Pinturas Secretas SA",
                    "rfc": "PSE020202CD2",
                    "porcentajeParticipacion": 50,
                },
                {
                    "tipoOperacion": "BAJA",
                    "tipoRelacion": "DECLARANTE",
                    "nombreEmpresaSociedadAsociacion": "Empresa Vendida SA",
                    "rfc": "EVE030303EF3",
                    "porcentajeParticipacion": 10,
                },
            ]
        },
        "participacionTomaDecisiones": {"ninguno": True},
        "apoyos": {"ninguno": True},
        "representacion": {"ninguno": True},
        "clientesPrincipales": {
            "cliente": [
                {
                    "tipoOperacion": "AGREGAR",
                    "realizaActividadLucrativa": True,
                    "tipoRelacion": "DECLARANTE",
                    "empresa": {"nombreEmpresaServicio": "Consultoría Propia SC", "rfc": ""},
                    "clientePrincipal": {
                        "tipoPersona": "FISICA",
                        "nombreRazonSocial": "Juana Privada Pérez",
                        "rfc": "PEPJ800101AB1",
                    },
                    "montoAproximadoGanancia": {"valor": 30000, "moneda": "MXN"},
                }
            ]
        },
        "beneficiosPrivados": {"ninguno": True},
        "fideicomisos": {"ninguno": True},
    }


class ServantAppointmentFactory(RoleAssignmentFactory):
    user = factory.SubFactory(UserFactory)
    role = Role.SERVANT
    entity = factory.SubFactory(EntityFactory)
    start = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))


class CodeVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CodeVersion

    number = factory.Sequence(lambda n: n + 1)
    title = "Código de Ética de la Administración Pública de la Ciudad de México"
    principles = [{"name": "Legalidad", "description": "Actuar conforme a la ley."}]
    conflict_definition = "Posible afectación del desempeño imparcial por intereses personales."
    published_at = factory.LazyFunction(timezone.now)


class DeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Declaration

    appointment = factory.SubFactory(ServantAppointmentFactory)
    declarant = factory.LazyAttribute(lambda o: o.appointment.user)
    entity = factory.LazyAttribute(lambda o: o.appointment.entity)
    kind = DeclarationKind.INITIAL
    status = DeclarationStatus.FILED
    interest = factory.LazyFunction(sample_interest)
    filed_at = factory.LazyFunction(timezone.now)


class GiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gift

    servant = factory.SubFactory(UserFactory)
    entity = factory.SubFactory(EntityFactory)
    kind = GiftKind.GIFT
    giver_kind = GiverKind.PERSON
    giver_name = "Pedro Particular"
    value = 500
    offered_on = factory.LazyFunction(timezone.localdate)
    occasion = "Fin de año"
    decision = GiftDecision.DECLINED

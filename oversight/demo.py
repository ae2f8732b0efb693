"""Demo data for oversight: a committee member, illustrative ENCIG figures, a risk register, a
work plan with progress, internal controls and findings, then one refresh of the figures.

The ENCIG values here are illustrative, shaped like INEGI's published tables, not official data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lacs.models import Entity, Role, RoleAssignment
from oversight import actions
from oversight.models import (
    AuditFinding,
    Control,
    EncigValue,
    Goal,
    PlanAction,
    PriorityArea,
    ProgressReport,
    Risk,
    WorkPlan,
)

ENCIG = [
    # year, indicator, procedure, value, ci_low, ci_high (illustrative)
    (2019, "perception", "", "95.0", "94.1", "95.9"),
    (2021, "perception", "", "92.1", "91.0", "93.2"),
    (2023, "perception", "", "90.4", "89.1", "91.7"),
    (2019, "prevalence", "", "20500", "18200", "22800"),
    (2021, "prevalence", "", "21900", "19600", "24200"),
    (2023, "prevalence", "", "19800", "17600", "22000"),
    (2023, "prevalence", "Trámites vehiculares", "31000", "26500", "35500"),
    (2023, "incidence", "Contacto con autoridades de seguridad pública", "58000", "49000", "67000"),
]
RISKS = [
    (
        "Contrataciones públicas",
        "Adjudicaciones directas sin justificación suficiente",
        4,
        5,
        2,
        "Participación de la adjudicación directa en el valor contratado",
    ),
    (
        "Contrataciones públicas",
        "Fraccionamiento de compras",
        3,
        4,
        1,
        "Alertas R0xx por comprador",
    ),
    (
        "Trámites vehiculares",
        "Sobornos en licencias y verificaciones",
        5,
        3,
        1,
        "ENCIG 2023: prevalencia en trámites vehiculares",
    ),
    (
        "Seguridad ciudadana",
        "Extorsión en el contacto con autoridades",
        4,
        4,
        3,
        "ENCIG 2023: incidencia en contacto con autoridades",
    ),
]


def _committee_user():
    User = get_user_model()
    user, made = User.objects.get_or_create(
        username="committee",
        defaults={
            "first_name": "Cecilia",
            "last_name": "Coordinadora",
            "email": "committee@cdmx.example",
        },
    )
    if made:
        user.set_password(settings.DEMO_PASSWORD)
        user.save()
    RoleAssignment.objects.get_or_create(user=user, role=Role.COMMITTEE, entity=None)
    return user


def _entity(acronym: str) -> Entity:
    return Entity.objects.filter(acronym=acronym).first() or Entity.objects.order_by("pk").first()


@transaction.atomic
def _plan(today: dt.date) -> None:
    plan, _ = WorkPlan.objects.get_or_create(year=today.year)
    areas = {name: PriorityArea.objects.get_or_create(name=name)[0] for name, *_r in RISKS}
    encig = EncigValue.objects.filter(procedure="Trámites vehiculares").first()
    for area, name, likelihood, impact, line, evidence in RISKS:
        Risk.objects.get_or_create(
            area=areas[area],
            name=name,
            defaults={
                "likelihood": likelihood,
                "impact": impact,
                "owner_line": line,
                "evidence": evidence,
                "encig": encig if "vehiculares" in evidence else None,
            },
        )
    goal, _ = Goal.objects.get_or_create(
        plan=plan, area=areas["Contrataciones públicas"], name="Más licitaciones públicas"
    )
    start = today.replace(month=1, day=1)
    action, made = PlanAction.objects.get_or_create(
        goal=goal,
        name="Reducir la adjudicación directa en compras de movilidad",
        defaults={
            "entity": _entity("SEMOVI"),
            "indicator": "Adjudicación directa (% del valor)",
            "baseline": Decimal(66),
            "target": Decimal(40),
            "start": start,
            "due": today.replace(month=12, day=31),
        },
    )
    if made:
        for month, value in ((3, 62), (6, 57), (9, 51)):
            day = start.replace(month=month)
            if day <= today:
                ProgressReport.objects.create(action=action, reported_on=day, value=value)
    Control.objects.get_or_create(
        entity=_entity("SEMOVI"),
        line=1,
        name="Revisión del expediente antes de adjudicar",
        defaults={"owner": "Dirección de Recursos Materiales"},
    )
    Control.objects.get_or_create(
        entity=_entity("SEMOVI"),
        line=3,
        name="Auditoría anual de adquisiciones",
        defaults={"owner": "Órgano Interno de Control"},
    )
    AuditFinding.objects.get_or_create(
        entity=_entity("SEMOVI"),
        title="Justificaciones de adjudicación directa incompletas",
        defaults={
            "recommendation": "Formato único de justificación revisado por la segunda línea",
            "owner": "Dirección de Recursos Materiales",
            "due": today - dt.timedelta(days=15),  # demo: one overdue item on the dashboard
        },
    )


def seed(*, users: dict, stdout) -> None:
    today = timezone.localdate()
    committee = _committee_user()
    for year, indicator, procedure, value, low, high in ENCIG:
        EncigValue.objects.get_or_create(
            year=year,
            indicator=indicator,
            procedure=procedure,
            defaults={"value": Decimal(value), "ci_low": Decimal(low), "ci_high": Decimal(high)},
        )
    _plan(today)
    refresh = actions.figures_refresh(actor=committee)
    stdout.write(
        f"oversight: committee log-in 'committee', figures refreshed ({refresh.rows} rows)"
    )

"""Demo data of the ethics app: the code with the principles of Mexican public service law,
a moral reminder, a filed declaration, gifts and an advice request. Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ethics import actions
from ethics.models import (
    AdviceRequest,
    CodeAcknowledgement,
    CodeVersion,
    Declaration,
    DeclarationKind,
    EducationModule,
    Gift,
    MoralReminder,
    ProcurementRole,
)
from lacs.models import Role, RoleAssignment

# Ley General de Responsabilidades Administrativas, art. 7, and the Ley de Responsabilidades
# Administrativas de la Ciudad de México.
PRINCIPLES = [
    ("Legalidad", "Hacer sólo aquello que las normas expresamente le confieren."),
    ("Honradez", "No usar el cargo para obtener beneficio personal ni aceptar prestaciones."),
    ("Lealtad", "Corresponder a la confianza del Estado y anteponer el interés público."),
    ("Imparcialidad", "Dar el mismo trato a todas las personas, sin privilegios ni preferencias."),
    ("Eficiencia", "Actuar con apego a los planes y optimizar el uso de los recursos."),
    ("Eficacia", "Alcanzar los objetivos institucionales en los plazos previstos."),
    ("Economía", "Administrar los bienes y recursos públicos con austeridad y ahorro."),
    ("Disciplina", "Desempeñar el cargo de forma ordenada, metódica y perseverante."),
    ("Profesionalismo", "Conocer y cumplir las funciones del cargo con respeto a las personas."),
    ("Objetividad", "Decidir con base en hechos y normas, sin influencias personales."),
    ("Transparencia", "Dar acceso a la información pública y proteger los datos personales."),
    ("Rendición de cuentas", "Asumir la responsabilidad de las propias decisiones y explicarlas."),
    (
        "Competencia por mérito",
        "Seleccionar al personal por su capacidad, habilidad y experiencia.",
    ),
    ("Integridad", "Actuar con coherencia entre los principios y la conducta diaria."),
    ("Equidad", "Procurar que todas las personas accedan con justicia a bienes y servicios."),
]

CONFLICT_DEFINITION = (
    "Hay conflicto de interés cuando los intereses personales, familiares o de negocios de "
    "una persona servidora pública pueden afectar el desempeño imparcial y objetivo de sus "
    "funciones. Es real (actual) cuando el interés ya influye en una decisión que toma; "
    "aparente cuando, aunque no influya, una persona razonable podría creer que sí; y "
    "potencial cuando podría surgir si cambian sus funciones o sus intereses."
)
CONFLICT_SCOPE = (
    "Se aplica a toda persona servidora pública de la Administración Pública de la Ciudad de "
    "México y sus alcaldías, a sus parejas y dependientes económicos en lo que toca a sus "
    "intereses, y a toda decisión: contrataciones, trámites, permisos, inspecciones y "
    "nombramientos. Debe declararse al ingresar, cada mayo, al concluir y en cuanto surja."
)
BREACH = (
    "Quien no declare, no se excuse o actúe con un conflicto de interés comete una falta "
    "administrativa: el órgano interno de control investiga y la autoridad competente puede "
    "amonestar, suspender, destituir, inhabilitar o multar, sin perjuicio de la responsabilidad "
    "penal. Las decisiones tomadas con conflicto pueden anularse."
)
RULES = (
    "Declare sus intereses y actualícelos. Excúsese por escrito de intervenir donde tenga un "
    "interés. No acepte obsequios de quien tenga asuntos con su ente; registre todo ofrecimiento. "
    "Consulte al punto de contacto de integridad ante cualquier duda. Al dejar el cargo, "
    "avise su nuevo empleo y respete el año de enfriamiento con los proveedores de su ente."
)


def _code(admin) -> CodeVersion:
    current = CodeVersion.objects.current()
    if current is not None:
        return current
    version = actions.code_version_create(
        actor=admin,
        title="Código de Ética de la Administración Pública de la Ciudad de México",
        principles=[{"name": n, "description": d} for n, d in PRINCIPLES],
        values="Interés público, respeto, respeto a los derechos humanos, igualdad y no "
        "discriminación, equidad de género, entorno cultural y ecológico, cooperación, "
        "liderazgo.",
        integrity_rules=RULES,
        conflict_definition=CONFLICT_DEFINITION,
        conflict_scope=CONFLICT_SCOPE,
        breach_consequences=BREACH,
        gift_threshold=Decimal("1000"),
    )
    return actions.code_version_publish(actor=admin, version=version)


def _declaration(servant, appointment) -> None:
    if Declaration.objects.filter(declarant=servant).exists():
        return
    draft = actions.declaration_start(
        actor=servant, appointment=appointment, kind=DeclarationKind.INITIAL
    )
    interest = dict(draft.interest)
    interest["participacion"] = {
        "participacion": [
            {
                "tipoOperacion": "AGREGAR",
                "tipoRelacion": "DECLARANTE",
                "nombreEmpresaSociedadAsociacion": "Movilidad Eléctrica del Valle SA de CV",
                "rfc": "MEV150301AB1",
                "porcentajeParticipacion": 5,
                "tipoParticipacion": {"clave": "ACCI", "valor": "ACCIONISTA"},
                "recibeRemuneracion": False,
                "sector": {"clave": "TRANS", "valor": "TRANSPORTE"},
            }
        ]
    }
    actions.declaration_save(actor=servant, declaration=draft, interest=interest)
    actions.declaration_file(actor=servant, declaration=draft)


@transaction.atomic
def seed(*, users: dict, stdout) -> None:
    admin, servant = users["admin"], users["servant"]
    version = _code(admin)
    if not MoralReminder.objects.exists():
        for variant, text in (
            (
                "A",
                "Su declaración protege su nombre y la confianza de la ciudad. Declare con verdad.",
            ),
            ("B", "La mayoría de sus colegas ya presentó su declaración a tiempo."),
        ):
            actions.reminder_save(
                actor=admin, transaction_name="declaration_file", variant=variant, text=text
            )
    if not EducationModule.objects.exists():
        EducationModule.objects.create(
            title="¿Qué es un conflicto de interés?",
            body=CONFLICT_DEFINITION + "\n\n" + RULES,
            questions=[
                {
                    "question": "Su cuñado es socio de una empresa que participa en una licitación "
                    "que usted evalúa. ¿Qué hace?",
                    "options": [
                        "Nada, la empresa no es mía",
                        "Me excuso por escrito y lo informo",
                        "Evalúo con especial cuidado",
                    ],
                    "answer": 1,
                },
                {
                    "question": "Un proveedor le ofrece un obsequio de 3,000 pesos. ¿Qué hace?",
                    "options": ["Lo acepto", "Lo rechazo o lo entrego y lo registro"],
                    "answer": 1,
                },
            ],
        )
    appointment = RoleAssignment.objects.filter(user=servant, role=Role.SERVANT).first()
    if appointment is None:
        return
    if not CodeAcknowledgement.objects.filter(version=version, user=servant).exists():
        actions.code_acknowledge(actor=servant, version=version, entity=appointment.entity)
    _declaration(servant, appointment)
    if not Gift.objects.filter(servant=servant).exists():
        actions.gift_record(
            actor=servant,
            entity=appointment.entity,
            kind="gift",
            giver_kind="MORAL",
            giver_name="Movilidad Eléctrica del Valle SA de CV",
            value=Decimal("2500"),
            offered_on=timezone.localdate() - dt.timedelta(days=3),
            occasion="Presentación de un producto",
            decision="handed_over",
        )
    if not AdviceRequest.objects.filter(asker=servant).exists():
        actions.advice_ask(
            actor=servant,
            entity=appointment.entity,
            question="Un proveedor me invitó a un congreso con gastos pagados. ¿Puedo ir?",
        )
    if not ProcurementRole.objects.filter(appointment=appointment).exists():
        actions.procurement_role_save(
            actor=admin,
            appointment=appointment,
            position="Subdirector de Recursos Materiales",
            level="K11",
            procedures=[1, 3],
            responsibility=["T", "R"],
            notes="Integra el comité de adquisiciones.",
        )
    stdout.write(
        f"ethics: code v{version.number}, reminders, a declaration, a gift, advice, "
        "a procurement role (PDN System 2)"
    )

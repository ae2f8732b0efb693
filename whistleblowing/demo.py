"""Demo data: a questionnaire for the main categories and one anonymous report to follow up."""

from __future__ import annotations

from lacs.models import Category, Entity
from whistleblowing.models import Question, Questionnaire, Report

# category code → [(kind, Spanish, English, required, choices es, choices en, condition)]
QUESTIONNAIRES = {
    "cohecho": [
        (
            "yes_no",
            "¿Le pidieron dinero o un favor directamente?",
            "Were you asked directly for money or a favour?",
            True,
            "",
            "",
            None,
        ),
        (
            "amount",
            "¿Cuánto le pidieron?",
            "How much were you asked for?",
            False,
            "",
            "",
            (0, "yes"),
        ),
        (
            "choice",
            "¿En qué trámite o servicio?",
            "In which procedure or service?",
            True,
            "Licencias y permisos\nInspección o verificación\nTrámite vehicular\nOtro",
            "Licences and permits\nInspection\nVehicle procedure\nOther",
            None,
        ),
        (
            "date",
            "¿Cuándo ocurrió por última vez?",
            "When did it last happen?",
            False,
            "",
            "",
            None,
        ),
        (
            "text",
            "¿Quiénes participaron? (cargos, no es necesario dar nombres)",
            "Who took part? (positions; names are not required)",
            False,
            "",
            "",
            None,
        ),
    ],
    "contrataciones": [
        (
            "text",
            "Número o nombre del procedimiento de contratación",
            "Number or name of the procurement procedure",
            False,
            "",
            "",
            None,
        ),
        (
            "choice",
            "¿Qué tipo de irregularidad?",
            "What kind of irregularity?",
            True,
            "Adjudicación directa injustificada\nBases hechas a la medida\nSobreprecio\nEntrega incompleta\nOtra",
            "Unjustified direct award\nTailored tender terms\nOverpricing\nIncomplete delivery\nOther",
            None,
        ),
        (
            "amount",
            "Monto aproximado del contrato",
            "Approximate contract amount",
            False,
            "",
            "",
            None,
        ),
    ],
    "represalias": [
        (
            "yes_no",
            "¿Ya presentó antes una denuncia sobre estos hechos?",
            "Did you already file a report about this?",
            True,
            "",
            "",
            None,
        ),
        (
            "text",
            "Número de caso anterior, si lo conoce",
            "Earlier case number, if you know it",
            False,
            "",
            "",
            (0, "yes"),
        ),
        (
            "date",
            "¿Cuándo empezó la represalia?",
            "When did the retaliation start?",
            False,
            "",
            "",
            None,
        ),
    ],
}


def _questionnaire(category: Category, rows: list) -> int:
    form, made = Questionnaire.objects.get_or_create(category=category)
    if not made:
        return 0
    created: list[Question] = []
    for position, (kind, label, label_en, required, choices, choices_en, cond) in enumerate(rows):
        created.append(
            Question.objects.create(
                questionnaire=form,
                position=position,
                kind=kind,
                label=label,
                label_en=label_en,
                required=required,
                choices=choices,
                choices_en=choices_en,
                condition_question=created[cond[0]] if cond else None,
                condition_value=cond[1] if cond else "",
            )
        )
    return 1


def seed(*, users: dict, stdout) -> None:
    """Idempotent: questionnaires once; one demo report (its receipt printed) once."""
    made = sum(
        _questionnaire(category, QUESTIONNAIRES[category.code])
        for category in Category.objects.filter(code__in=QUESTIONNAIRES)
    )
    if made:
        stdout.write(f"whistleblowing: {made} questionnaire(s)")
    entity = Entity.objects.filter(acronym="SEMOVI").first()
    category = Category.objects.filter(code="cohecho").first()
    if entity is None or category is None or Report.objects.exists():
        return
    from whistleblowing.actions import report_submit

    _report, receipt = report_submit(
        entity=entity,
        category=category,
        answers=[
            {"question": None, "label": "¿En qué trámite o servicio?", "value": "Trámite vehicular"}
        ],
        description=(
            "En la ventanilla de licencias me dijeron que el trámite tardaría tres meses, "
            "salvo que pagara una «cuota de agilización» en efectivo, sin recibo."
        ),
        files=[],
    )
    stdout.write(
        f"whistleblowing: demo report filed; follow it up at /report/followup/ with: {receipt}"
    )

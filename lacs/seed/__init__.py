"""Reference data of Mexico City's public administration, loaded by ``manage.py demo_seed`` and ``manage.py seed_reference``.

Names follow the Ley Orgánica del Poder Ejecutivo y de la Administración Pública de la Ciudad
de México and the city's list of paraestatales; órganos desconcentrados hang from the secretaría
they belong to.
"""

from __future__ import annotations

from django.db import transaction

HEAD = ("Jefatura de Gobierno de la Ciudad de México", "JGCDMX")

# (name, acronym, [(órgano desconcentrado / paraestatal, acronym, kind), ...])
SECRETARIAS = [
    (
        "Secretaría de Gobierno",
        "SECGOB",
        [
            ("Sistema Penitenciario de la Ciudad de México", "SPCDMX", "desconcentrado"),
        ],
    ),
    (
        "Secretaría de Administración y Finanzas",
        "SAF",
        [
            ("Agencia de Atención Animal", "AGATAN", "desconcentrado"),
            ("Fondo para el Desarrollo Social de la Ciudad de México", "FONDESO", "paraestatal"),
        ],
    ),
    ("Secretaría de la Contraloría General", "SCG", []),
    (
        "Secretaría de Desarrollo Económico",
        "SEDECO",
        [
            ("Fondo de Desarrollo Económico de la Ciudad de México", "FONDECO", "paraestatal"),
        ],
    ),
    (
        "Secretaría de Desarrollo Urbano y Vivienda",
        "SEDUVI",
        [
            ("Instituto de Vivienda de la Ciudad de México", "INVI", "paraestatal"),
        ],
    ),
    ("Secretaría de Educación, Ciencia, Tecnología e Innovación", "SECTEI", []),
    (
        "Secretaría de Gestión Integral de Riesgos y Protección Civil",
        "SGIRPC",
        [
            ("Heroico Cuerpo de Bomberos de la Ciudad de México", "HCB", "paraestatal"),
        ],
    ),
    (
        "Secretaría de Inclusión y Bienestar Social",
        "SIBISO",
        [
            (
                "Sistema para el Desarrollo Integral de la Familia de la Ciudad de México",
                "DIF-CDMX",
                "paraestatal",
            ),
        ],
    ),
    ("Secretaría de las Mujeres", "SEMUJERES", []),
    (
        "Secretaría del Medio Ambiente",
        "SEDEMA",
        [
            ("Sistema de Aguas de la Ciudad de México", "SACMEX", "desconcentrado"),
        ],
    ),
    (
        "Secretaría de Movilidad",
        "SEMOVI",
        [
            ("Órgano Regulador de Transporte", "ORT", "desconcentrado"),
            ("Sistema de Transporte Colectivo Metro", "STC", "paraestatal"),
            ("Metrobús", "MB", "desconcentrado"),
            ("Servicio de Transportes Eléctricos", "STE", "paraestatal"),
            ("Red de Transporte de Pasajeros", "RTP", "paraestatal"),
        ],
    ),
    (
        "Secretaría de Obras y Servicios",
        "SOBSE",
        [
            ("Planta de Asfalto de la Ciudad de México", "PACDMX", "desconcentrado"),
        ],
    ),
    ("Secretaría de Pueblos y Barrios Originarios y Comunidades Indígenas Residentes", "SEPI", []),
    (
        "Secretaría de Salud",
        "SEDESA",
        [
            ("Agencia de Protección Sanitaria", "APS", "desconcentrado"),
            ("Servicios de Salud Pública de la Ciudad de México", "SSPCDMX", "paraestatal"),
        ],
    ),
    (
        "Secretaría de Seguridad Ciudadana",
        "SSC",
        [
            ("Caja de Previsión de la Policía Preventiva", "CAPREPOL", "paraestatal"),
        ],
    ),
    ("Secretaría de Trabajo y Fomento al Empleo", "STYFE", []),
    ("Secretaría de Turismo", "SECTUR", []),
    ("Secretaría de Cultura", "SECULT", []),
    ("Consejería Jurídica y de Servicios Legales", "CEJUR", []),
]

HEAD_BODIES = [
    ("Agencia Digital de Innovación Pública", "ADIP", "desconcentrado"),
    (
        "Centro de Comando, Control, Cómputo, Comunicaciones y Contacto Ciudadano",
        "C5",
        "desconcentrado",
    ),
    ("Autoridad del Centro Histórico", "ACH", "desconcentrado"),
]

ALCALDIAS = [
    "Álvaro Obregón",
    "Azcapotzalco",
    "Benito Juárez",
    "Coyoacán",
    "Cuajimalpa de Morelos",
    "Cuauhtémoc",
    "Gustavo A. Madero",
    "Iztacalco",
    "Iztapalapa",
    "La Magdalena Contreras",
    "Miguel Hidalgo",
    "Milpa Alta",
    "Tláhuac",
    "Tlalpan",
    "Venustiano Carranza",
    "Xochimilco",
]

AUTONOMOS = [
    ("Instituto Electoral de la Ciudad de México", "IECM"),
    (
        "Instituto de Transparencia, Acceso a la Información Pública, Protección de Datos Personales y Rendición de Cuentas de la Ciudad de México",
        "INFO CDMX",
    ),
    ("Comisión de Derechos Humanos de la Ciudad de México", "CDHCM"),
    ("Tribunal de Justicia Administrativa de la Ciudad de México", "TJACDMX"),
    ("Fiscalía General de Justicia de la Ciudad de México", "FGJCDMX"),
    ("Universidad Autónoma de la Ciudad de México", "UACM"),
    ("Tribunal Electoral de la Ciudad de México", "TECDMX"),
]

UNITS = [
    ("Unidad Especializada en Contrataciones Públicas (SCG)", "UECP"),
    ("Unidad de Atención a la Violencia Sexual y el Hostigamiento (SCG)", "UAVSH"),
]

# (code, Spanish, English, specialised unit acronym or None)
CATEGORIES = [
    ("cohecho", "Cohecho o soborno", "Bribery", None),
    ("peculado", "Peculado o desvío de recursos", "Embezzlement or misuse of funds", None),
    (
        "conflicto-interes",
        "Actuación bajo conflicto de interés",
        "Acting under a conflict of interest",
        None,
    ),
    (
        "contrataciones",
        "Irregularidades en contrataciones públicas",
        "Public procurement irregularities",
        "UECP",
    ),
    ("trafico-influencias", "Tráfico de influencias", "Influence peddling", None),
    ("abuso-funciones", "Abuso de funciones", "Abuse of functions", None),
    ("hostigamiento", "Hostigamiento o acoso sexual", "Sexual harassment", "UAVSH"),
    ("nepotismo", "Nepotismo o contratación indebida", "Nepotism or improper hiring", None),
    ("uso-informacion", "Uso indebido de información", "Misuse of information", None),
    ("represalias", "Represalias contra denunciantes", "Retaliation against whistle-blowers", None),
    ("otra", "Otra falta a la integridad", "Other integrity breach", None),
]


@transaction.atomic
def seed_reference_data() -> int:
    """Create the entity tree and categories if missing; idempotent. Returns entities created."""
    from lacs.models import Category, Entity, EntityKind

    created = 0

    def upsert(name: str, acronym: str, kind: str, parent: Entity | None, **extra) -> Entity:
        nonlocal created
        entity, made = Entity.objects.get_or_create(
            name=name, defaults={"acronym": acronym, "kind": kind, "parent": parent, **extra}
        )
        created += int(made)
        return entity

    head = upsert(*HEAD, EntityKind.HEAD, None)
    by_acronym: dict[str, Entity] = {}
    for name, acronym, bodies in SECRETARIAS:
        extra = {"is_comptroller": True} if acronym == "SCG" else {}
        secretaria = upsert(name, acronym, EntityKind.SECRETARIA, head, **extra)
        by_acronym[acronym] = secretaria
        for body, body_acronym, kind in bodies:
            upsert(body, body_acronym, kind, secretaria)
    for body, acronym, kind in HEAD_BODIES:
        upsert(body, acronym, kind, head)
    for name in ALCALDIAS:
        upsert(f"Alcaldía {name}", "", EntityKind.ALCALDIA, None)
    for name, acronym in AUTONOMOS:
        upsert(name, acronym, EntityKind.AUTONOMO, None)
    for name, acronym in UNITS:
        by_acronym[acronym] = upsert(name, acronym, EntityKind.UNIT, by_acronym["SCG"])
    for position, (code, name, name_en, unit) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "position": position,
                "specialised_unit": by_acronym.get(unit) if unit else None,
            },
        )
    return created

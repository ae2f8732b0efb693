from tests.access import Row, everyone, only

API_DENIED = 403  # signed-in without the role: the API's own 403 (anonymous: 401)

PDN_SEARCH = {**everyone(405), "anonymous": 401}
PDN_LIST = {**everyone(200), "anonymous": 401}
# Its specification declares 403 and not 401: every refusal, even without a token, is a 403.
PDN_LIST_403 = {**everyone(200), "anonymous": 403}

MATRIX = {
    "api-schema": Row(everyone()),
    "api-docs": Row(everyone()),
    "oauth-token": Row(everyone(405)),  # POST only
    "oauth-revoke": Row(everyone(405)),
    "api-entities": Row(only("admin", anonymous=401)),
    "api-entity": Row(only("admin", anonymous=401), kwargs=lambda ctx: {"pk": ctx.entity.pk}),
    "api-entity-contact-points": Row(
        only("admin", anonymous=401), kwargs=lambda ctx: {"pk": ctx.entity.pk}
    ),
    # PDN interfaces: every role but custodian holds "pdn"; searches are POST-only (GET → 405).
    "pdn-declaraciones": Row(PDN_SEARCH),
    "pdn-spic": Row(PDN_SEARCH),
    "pdn-spic-dependencias": Row(PDN_LIST),
    "pdn-ssancionados": Row(PDN_SEARCH),
    "pdn-psancionados": Row(PDN_SEARCH),
    "pdn-ssancionados-dependencias": Row(PDN_LIST_403),
    "pdn-psancionados-dependencias": Row(PDN_LIST),
}

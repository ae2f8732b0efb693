"""Access matrix of the whistleblowing pages.

Intake and follow-up are open to everyone (a signed-in person is treated as anonymous). Handler
pages answer 404 for a case the person cannot reach (here: a case that does not exist), POST-only
pages answer GET with 405 once the role is right. Custodian pages: no matrix role is a custodian.
"""

from tests.access import Row, everyone, only

HANDLERS = ("contact", "contact_other", "investigator")


def _case(ctx):
    return {"case_pk": 999_999}


def _case_and_object(ctx):
    return {"case_pk": 999_999, "pk": 1}


MATRIX = {
    "whistleblowing:start": Row(everyone()),
    "whistleblowing:report_new": Row(everyone(302)),  # no category chosen: back to the start
    "whistleblowing:followup": Row(everyone()),
    # No follow-up token: to the receipt page; the whistle-blower's token opens their report.
    "whistleblowing:followup_case": Row({**everyone(302), "whistleblower": 200}),
    "whistleblowing:followup_message": Row(everyone(405)),
    "whistleblowing:followup_protection": Row(everyone(405)),
    "whistleblowing:followup_exit": Row(everyone(405)),
    "whistleblowing:followup_attachment": Row(
        {**everyone(302), "whistleblower": 404},
        kwargs=lambda ctx: {"pk": 1},  # not theirs
    ),
    "whistleblowing:staff_start": Row(only("contact", "contact_other")),
    "whistleblowing:staff_report_new": Row(only("contact", "contact_other", ok=302)),
    "whistleblowing:handle_message": Row(only(*HANDLERS, ok=405), kwargs=_case),
    "whistleblowing:handle_protection": Row(only(*HANDLERS, ok=405), kwargs=_case_and_object),
    "whistleblowing:handle_attachment": Row(only(*HANDLERS, ok=404), kwargs=_case_and_object),
    "whistleblowing:identity_request": Row(only(*HANDLERS, ok=405), kwargs=_case),
    "whistleblowing:identity_read": Row(only(*HANDLERS, ok=404), kwargs=_case),
    "whistleblowing:custody": Row(only()),
    "whistleblowing:custody_share": Row(only()),
    "whistleblowing:custody_decide": Row(only(), kwargs=lambda ctx: {"pk": 1}),
    # The anonymous API is POST only, but for the challenge each request spends.
    "api-report-challenge": Row(everyone()),
    "api-report-submit": Row(everyone(405)),
    "api-report-followup": Row(everyone(405)),
    "api-report-followup-message": Row(everyone(405)),
    "api-report-followup-protection": Row(everyone(405)),
    # Handlers' API: the role and scope first (401/403), then POST only (405).
    "api-case-protection-decide": Row(
        {**only(*HANDLERS, ok=405), "anonymous": 401}, kwargs=_case_and_object
    ),
}

"""The whistleblowing part of a case file, opened for a referral package (cases.referral).

Everything the whistle-blower wrote and uploaded and the thread with the handler; never the
identity vault (an identity reaches an authority only through the custodians' own procedure).
"""

from __future__ import annotations

from typing import Any

from lacs import crypto
from whistleblowing.models import Report
from whistleblowing.sealing import aad, open_json, open_text


def case_contents(case, data_key: bytes) -> dict[str, Any] | None:
    """The report's contents opened with the case's data key, or None for a case without one."""
    report = Report.objects.filter(case=case).first()
    if report is None:
        return None
    return {
        "description": open_text(data_key, report.description, case, "description"),
        "answers": open_json(data_key, report.answers, case, "answers"),
        "messages": [
            {
                "origin": m.origin,
                "day": m.sent_on.isoformat(),
                "text": open_text(data_key, m.body, case, "message"),
            }
            for m in case.wb_messages.all()
        ],
        "attachments": [
            {
                **open_json(data_key, a.meta, case, "attachment-meta"),
                "origin": a.origin,
                "day": a.added_on.isoformat(),
                "data": crypto.b64e(
                    crypto.open_(data_key, bytes(a.content), aad(case, "attachment"))
                ),
            }
            for a in case.wb_attachments.all()
        ],
        "protection_requests": [
            {
                "filed_on": p.filed_on.isoformat(),
                "status": p.status,
                "details": open_json(data_key, p.details, case, "protection"),
                "measures": open_text(data_key, p.measures, case, "measures") if p.measures else "",
            }
            for p in case.protection_requests.all()
        ],
    }

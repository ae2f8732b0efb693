"""Access matrix of the procurement pages: analysts work here; CPC members read indicators."""

from __future__ import annotations

from tests.access import Row, only


def _process(ctx):
    from tests.procurement.factories import ProcessFactory

    return ProcessFactory()


def _protest(ctx):
    from tests.procurement.factories import BidProtestFactory

    return BidProtestFactory()


def _batch(ctx):
    from procurement.models import ImportBatch

    return ImportBatch.objects.create()


MATRIX = {
    "procurement:indicators": Row(only("analyst", "cpc")),
    "procurement:imports": Row(only("analyst")),
    "procurement:import_detail": Row(only("analyst"), kwargs=lambda ctx: {"pk": _batch(ctx).pk}),
    "procurement:import_status": Row(only("analyst"), kwargs=lambda ctx: {"pk": _batch(ctx).pk}),
    "procurement:flags": Row(only("analyst")),
    "procurement:processes": Row(only("analyst")),
    "procurement:process_detail": Row(only("analyst"), kwargs=lambda ctx: {"pk": _process(ctx).pk}),
    # POST only: a GET is refused for everyone allowed in, before anything happens.
    "procurement:process_case_open": Row(
        only("analyst", ok=405), kwargs=lambda ctx: {"pk": _process(ctx).pk}
    ),
    "procurement:protest_create": Row(only("analyst"), kwargs=lambda ctx: {"pk": _process(ctx).pk}),
    "procurement:protests": Row(only("analyst")),
    "procurement:protest_detail": Row(only("analyst"), kwargs=lambda ctx: {"pk": _protest(ctx).pk}),
}

# --- API (anonymous callers get 401; signed-in callers without the role 403) --------------------
MATRIX.update(
    {
        # POST only: a GET from an analyst is 405.
        "api-procurement-imports": Row(only("analyst", ok=405, anonymous=401)),
        "api-procurement-import": Row(
            only("analyst", anonymous=401), kwargs=lambda ctx: {"pk": _batch(ctx).pk}
        ),
        "api-procurement-flags": Row(only("analyst", anonymous=401)),
        "api-procurement-release-package": Row(only("analyst", anonymous=401)),
    }
)

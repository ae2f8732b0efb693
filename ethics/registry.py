"""Where procurement plugs into ethics, so that ethics never imports it.

Procurement sits above ethics in the layers contract: it crosses servants' interest declarations
with awards (``ethics.selectors.declared_supplier_interests``). Ethics in turn asks whether a
company supplies an entity — for the reviewers' declaration list and the post-employment
cooling-off warning — through the lookup procurement registers here from its
``AppConfig.ready``. Without procurement installed the answer is "no supplier known".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

# (entity_ids=, rfcs=, names=, since_year=) -> the RFCs (upper-case) and names found as suppliers.
SupplierLookup = Callable[..., set[str]]

_supplier_lookups: list[SupplierLookup] = []


def register(*, supplier_lookup: SupplierLookup) -> None:
    if supplier_lookup not in _supplier_lookups:
        _supplier_lookups.append(supplier_lookup)


def suppliers_among(
    *,
    entity_ids: Iterable[int],
    rfcs: Iterable[str] = (),
    names: Iterable[str] = (),
    since_year: int | None = None,
) -> set[str]:
    """Which of ``rfcs`` (upper-case) and ``names`` are known suppliers of those entities."""
    ids, rfc_list, name_list = list(entity_ids), list(rfcs), list(names)
    found: set[str] = set()
    for lookup in _supplier_lookups:
        found |= lookup(entity_ids=ids, rfcs=rfc_list, names=name_list, since_year=since_year)
    return found

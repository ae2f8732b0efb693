"""Staff API for cases: one view per operation, authorised through ``cases.access``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import access, actions, selectors
from cases.api.serializers import (
    AssignIn,
    BulkIn,
    BulkOut,
    CaseDetailOut,
    CaseListOut,
    CaseOut,
    ErrorOut,
    ExclusionIn,
    ExclusionOut,
    NoteIn,
    NoteOut,
    ReferIn,
    TransitionIn,
    WorkloadOut,
)
from cases.forms import InboxFilterForm
from cases.models import Case, CaseNote
from cases.referral import package_response
from lacs import keys
from lacs.api.errors import error_response
from lacs.api.permissions import scoped

CASES_SCOPE = [scoped("cases", *access.INBOX_ROLES)]


def _keys(request: Request, case: Case) -> tuple[bytes, bytes] | None:
    return access.case_keys_unlocked(request._request, case)


def _refused(message: str, code: str = "refused", http: int = 400) -> Response:
    return error_response(code, message, http)


LOCKED = "Case keys are not unlocked in this session: sign in with your password again."


class CaseList(generics.ListAPIView):
    """Cases the caller may see; filters as on the inbox page (q, entity, status, ...)."""

    serializer_class = CaseListOut
    permission_classes = CASES_SCOPE

    def get_queryset(self):
        form = InboxFilterForm(self.request.query_params or None)
        cases = (
            access.cases_visible_to(self.request.user)
            .select_related("entity", "category", "assigned_to")
            .with_markers(self.request.user)
        )
        return selectors.inbox_filter(cases, form)


class CaseRead(APIView):
    permission_classes = CASES_SCOPE

    @extend_schema(responses=CaseDetailOut)
    def get(self, request: Request, pk: int) -> Response:
        case = access.case_for_user(request.user, pk)
        unlocked = _keys(request, case)
        notes = []
        if unlocked:
            for note in CaseNote.objects.filter(case=case).select_related("author"):
                notes.append(
                    {
                        "id": note.pk,
                        "kind": note.kind,
                        "created_at": note.created_at,
                        "author": note.author.get_username() if note.author else None,
                        "text": actions.note_text(note, unlocked[1]),
                    }
                )
        body = {
            "case": case,
            "notes": notes,
            "history": selectors.case_history(case),
            "allowed_transitions": list(case.allowed_transitions()),
            "protection_requests": list(
                case.protection_requests.values(
                    "id", "status", "filed_on", "answer_by", "answered_on", "decided_on"
                )
            ),
        }
        return Response(CaseDetailOut(body).data)


class _CaseAction(APIView):
    """Shared shape: authorise (404), validate, unlock keys, run the action, answer the case."""

    serializer_in: type = TransitionIn
    permission_classes = CASES_SCOPE

    def post(self, request: Request, pk: int) -> Response:
        case = access.case_for_user(request.user, pk, perm="work_case")
        data_in = self.serializer_in(data=request.data)
        data_in.is_valid(raise_exception=True)
        unlocked = _keys(request, case)
        if unlocked is None:
            return _refused(LOCKED, code="keys_locked", http=status.HTTP_409_CONFLICT)
        try:
            result = self.run(request, case, data_in.validated_data, *unlocked)
        except actions.CaseError as exc:
            return _refused(str(exc))
        return Response(result, status=status.HTTP_200_OK)

    def run(self, request, case, data, data_key, notes_key):  # pragma: no cover - abstract
        raise NotImplementedError


class CaseTransition(_CaseAction):
    serializer_in = TransitionIn

    @extend_schema(request=TransitionIn, responses={200: CaseOut, 400: ErrorOut, 409: ErrorOut})
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def run(self, request, case, data, data_key, notes_key):
        actions.case_transition(
            actor=request.user, case=case, notes_key=notes_key, data_key=data_key, **data
        )
        return CaseOut(case).data


class CaseNoteAdd(_CaseAction):
    serializer_in = NoteIn

    @extend_schema(request=NoteIn, responses={200: NoteOut, 400: ErrorOut, 409: ErrorOut})
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def run(self, request, case, data, data_key, notes_key):
        note = actions.case_note_add(
            actor=request.user, case=case, notes_key=notes_key, text=data["text"]
        )
        return {
            "id": note.pk,
            "kind": note.kind,
            "created_at": note.created_at,
            "author": request.user.get_username(),
            "text": data["text"].strip(),
        }


class CaseRefer(_CaseAction):
    serializer_in = ReferIn

    @extend_schema(request=ReferIn, responses={200: CaseOut, 400: ErrorOut, 409: ErrorOut})
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def run(self, request, case, data, data_key, notes_key):
        actions.case_refer(
            actor=request.user, case=case, data_key=data_key, notes_key=notes_key, **data
        )
        return CaseOut(case).data


class CaseExclude(APIView):
    """Declare a named colleague implicated: they lose access and never receive the case again.

    Needs no unlocked keys (nothing is decrypted); ``user`` must be one the case page offers.
    """

    permission_classes = CASES_SCOPE

    @extend_schema(request=ExclusionIn, responses={201: ExclusionOut, 400: ErrorOut})
    def post(self, request: Request, pk: int) -> Response:
        case = access.case_for_user(request.user, pk, perm="work_case")
        data_in = ExclusionIn(data=request.data)
        data_in.is_valid(raise_exception=True)
        user = get_user_model().objects.filter(pk=data_in.validated_data["user"]).first()
        if user is None:  # answered like anyone else who may not be excluded
            return _refused(_("Esa persona no puede excluirse de este caso."))
        try:
            exclusion = actions.case_exclude(actor=request.user, case=case, user=user)
        except actions.CaseError as exc:
            return _refused(str(exc))
        return Response(ExclusionOut(exclusion).data, status=status.HTTP_201_CREATED)


class CaseAssign(_CaseAction):
    """Put a named investigator of the entity in charge (they get the keys)."""

    serializer_in = AssignIn

    @extend_schema(request=AssignIn, responses={200: CaseOut, 400: ErrorOut, 409: ErrorOut})
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def run(self, request, case, data, data_key, notes_key):
        assignee = access.assignable_people(request.user, case).filter(pk=data["assignee"]).first()
        if assignee is None:
            raise actions.CaseError("That person cannot receive this case.")
        actions.case_assign(
            actor=request.user,
            case=case,
            assignee=assignee,
            data_key=data_key,
            notes_key=notes_key,
        )
        return CaseOut(case).data


class CasesBulk(APIView):
    """Acknowledge or assign several cases; any case the caller may not work refuses them all."""

    permission_classes = CASES_SCOPE

    @extend_schema(request=BulkIn, responses={200: BulkOut, 400: ErrorOut, 404: ErrorOut})
    def post(self, request: Request) -> Response:
        data_in = BulkIn(data=request.data)
        data_in.is_valid(raise_exception=True)
        data = data_in.validated_data
        wanted = set(data["cases"])
        cases = list(
            access.cases_visible_to(request.user, "work_case").filter(pk__in=wanted).order_by("pk")
        )
        if len(cases) != len(wanted):
            raise Http404
        if data["op"] == "acknowledge":
            done = actions.cases_bulk_acknowledge(actor=request.user, cases=cases)
            return Response({"done": done, "total": len(cases)})
        assignee = access.workload_people(request.user).filter(pk=data["assignee"] or 0).first()
        if assignee is None or not access.may_assign(request.user):
            return _refused("Choose an investigator of your entity to assign the cases to.")
        private = keys.session_private_key(request._request)
        if private is None:
            return _refused(LOCKED, code="keys_locked", http=status.HTTP_409_CONFLICT)
        done = actions.cases_bulk_assign(
            actor=request.user, cases=cases, assignee=assignee, private_key=private
        )
        return Response({"done": done, "total": len(cases)})


class Workload(APIView):
    """Open cases per investigator of the caller's entities (contact points)."""

    permission_classes = CASES_SCOPE

    @extend_schema(responses=WorkloadOut(many=True))
    def get(self, request: Request) -> Response:
        if not access.may_assign(request.user):
            return _refused("Only contact points see the workload.", code="forbidden", http=403)
        rows = selectors.workload(people=access.workload_people(request.user))
        return Response(WorkloadOut(rows, many=True).data)


class CaseExportDownload(APIView):
    """A referral package (encrypted to the authority, signed by the platform); audited."""

    permission_classes = CASES_SCOPE

    @extend_schema(responses={(200, "application/json"): OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int, export_pk: int):
        export = access.access_export(request.user, pk, export_pk)
        actions.case_export_download_record(actor=request.user, export=export)
        return package_response(export)

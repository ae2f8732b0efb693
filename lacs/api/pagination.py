from rest_framework.pagination import PageNumberPagination

from lacs.api.params import whole_number

MAX_PAGE = 10**9  # far past any real list; keeps the offset well inside a bigint


class StandardPagination(PageNumberPagination):
    """``?page=N&page_size=M``; M from 1 to 200 (as in the PDN interfaces), else 400."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        return whole_number(
            request.query_params.get(self.page_size_query_param),
            name=self.page_size_query_param,
            low=1,
            high=self.max_page_size,
            default=self.page_size,
        )

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw in self.last_page_strings:
            return raw
        return whole_number(raw, name=self.page_query_param, low=1, high=MAX_PAGE, default=1)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
            elif parameter["name"] == self.page_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": MAX_PAGE})
        return parameters

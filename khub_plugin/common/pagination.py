"""Pagination for every list: a bounded page size and no error page for a wrong page number."""

from django.core.paginator import Paginator

PAGE_SIZES = (10, 20, 50)


def paginate(request, queryset, per_page=20, sizes=PAGE_SIZES):
    """Return the requested page of ``queryset``.

    ``?page=`` out of range gives the last page (not a 404); ``?per_page=`` is honoured only if it is one of
    ``sizes``, so nobody can ask for a million rows at once.
    """
    return Paginator(queryset, page_size(request, per_page, sizes)).get_page(request.GET.get("page"))


def page_size(request, default=20, sizes=PAGE_SIZES):
    """The ``?per_page=`` asked for if it is one of ``sizes``, else ``default``."""
    try:
        requested = int(request.GET.get("per_page", default))
    except ValueError:
        return default
    return requested if requested in sizes else default


def querystring_without_page(request):
    """The current query string without ``page``, for building the links of a pager."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()

import logging
import re

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import DatabaseError, transaction
from django.template.response import TemplateResponse
from wagtail.models import Page

# To enable logging of search queries for use with the "Promoted search results" module
# <https://docs.wagtail.org/en/stable/reference/contrib/searchpromotions.html>
# uncomment the following line and the lines indicated in the search function
# (after adding wagtail.contrib.search_promotions to INSTALLED_APPS):

# from wagtail.contrib.search_promotions.models import Query

logger = logging.getLogger(__name__)


def search_words(query):
    """The words of what someone typed, as plain words for the search backend. Wagtail's database backend
    hands the query to SQLite FTS5 (or PostgreSQL) as it is, where quotes, brackets, "*", "-", ":", "^" and
    upper-case AND, OR, NOT and NEAR are syntax: an unbalanced quote is an error (a 500), "-" or NEAR change
    the meaning. Only letters and digits are kept, in lower case (at most 20 words)."""
    return " ".join(word.lower() for word in re.findall(r"\w+", query)[:20])


def search(request):
    search_query = request.GET.get("query", None)
    page = request.GET.get("page", 1)

    # Search
    words = search_words(search_query or "")
    if words:
        try:
            # A savepoint, so that a failed search query cannot break the request's transaction.
            with transaction.atomic():
                search_results = list(Page.objects.live().search(words)[:200])
        except DatabaseError:
            logger.exception("Page search failed for %r", words)
            search_results = []

        # To log this query for use with the "Promoted search results" module:

        # query = Query.get(search_query)
        # query.add_hit()

    else:
        search_results = Page.objects.none()

    # Pagination
    paginator = Paginator(search_results, 10)
    try:
        search_results = paginator.page(page)
    except PageNotAnInteger:
        search_results = paginator.page(1)
    except EmptyPage:
        search_results = paginator.page(paginator.num_pages)

    return TemplateResponse(
        request,
        "search/search.html",
        {
            "search_query": search_query,
            "search_results": search_results,
        },
    )

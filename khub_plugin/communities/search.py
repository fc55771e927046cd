"""The site-wide search page (``khub:search``): communities, and the content of every feature that plugs in.

The core searches communities itself (by name, purpose and tag, among those the person can *see*). Each
feature contributes through ``CommunityFeature.search``, a function ``search(request, policy, query)`` that
returns a list of :class:`SearchSection`, each holding :class:`SearchResult`\\ s, most relevant first. A
feature must only return content the person may see: ask :func:`community_ids_for` for the communities to
search in (those whose content the person can view *and* that have the feature switched on) and filter by
them. The page merges the sections into one list, highlights the query in the excerpts of the page shown, and
paginates. See docs/search.md.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from django import forms
from django.db.models import Case, IntegerField, Q, Value, When
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from khub_plugin.common.context import khub_context
from khub_plugin.common.highlight import MAX_QUERY_LENGTH, highlight, query_terms
from khub_plugin.common.pagination import paginate, querystring_without_page
from khub_plugin.common.sanitize import clean_text
from khub_plugin.communities import access
from khub_plugin.communities.features import registry

logger = logging.getLogger(__name__)

#: The most results one search shows in all (and the most each section should return). A person who needs
#: more should use more words.
MAX_RESULTS = 500
PER_PAGE = 20
#: The section name of the core's own results, and the ``kind`` that shows every section.
COMMUNITIES, ALL = "communities", "all"


@dataclass
class SearchResult:
    """One thing found. Everything but ``excerpt_html`` is plain text (autoescaped when shown)."""

    title: str
    url: str
    #: What it is, shown on the result: "Community", "Topic", "Reply"...
    kind_label: str
    #: The community it belongs to (a CommunityPage), or None (a community itself, when top-level).
    community: object = None
    date: datetime | None = None
    #: The plain text or member HTML the excerpt is cut from. The page highlights the query in it, only for
    #: the results it shows, so a section may return hundreds of results cheaply.
    text: str = ""
    #: Or a ready excerpt: escaped HTML (a SafeString, e.g. from khub_plugin.common.highlight.highlight).
    excerpt_html: str | None = None
    #: A short plain-text line under the result: "Started by Sam Staff · 3 replies".
    meta: str = ""
    #: Filled in by the page: the section's name, and the community's URL (for the results shown).
    kind: str = ""
    community_url: str = ""


@dataclass
class SearchSection:
    """A feature's results of one kind. ``name`` is the value of the page's kind filter (``?kind=forum``)."""

    name: str
    label: str
    #: Most relevant first; at most MAX_RESULTS.
    results: list = field(default_factory=list)
    #: More matched than the section returned.
    capped: bool = False


def community_ids_for(request, policy, feature_name):
    """Ids of the communities whose content this person can view and that have the feature switched on: what
    a feature's ``search`` hook must filter by. One query per request, whatever the number of features."""
    tools = getattr(request, "_khub_search_tools", None)
    if tools is None or getattr(request, "_khub_search_tools_user", None) != policy.user:
        from khub_plugin.communities.models import CommunityPage

        ids = policy.content_ids()
        rows = CommunityPage.objects.filter(pk__in=ids).values_list("pk", "tools") if ids else []
        tools = {pk: set(names or ()) for pk, names in rows}
        request._khub_search_tools, request._khub_search_tools_user = tools, policy.user
    return sorted(pk for pk, names in tools.items() if feature_name in names)


# -- communities ---------------------------------------------------------------------------------------------


def search_communities(request, policy, query, limit=MAX_RESULTS):
    """The communities this person can see whose title, purpose or tags contain every word of the query.

    Communities are few (about a thousand on a large intranet), so this is the ORM, not the search index
    (which holds no communities at all on a staff-only intranet: see CommunityPage.get_indexed_objects). The
    name of a restricted community is findable by everyone admitted; its content is not."""
    from khub_plugin.communities.models import CommunityPage

    terms = query_terms(query)
    if not terms:
        return SearchSection(COMMUNITIES, _("Communities"))
    communities = policy.visible_communities()
    for term in terms:
        tagged = CommunityPage.objects.filter(tags__name__icontains=term).values("pk")
        communities = communities.filter(
            Q(title__icontains=term) | Q(purpose__icontains=term) | Q(pk__in=tagged)
        )
    phrase = " ".join(terms)
    title_words = [
        Case(When(title__icontains=term, then=Value(1)), default=Value(0), output_field=IntegerField())
        for term in terms
    ]
    exact = Case(
        When(title__iexact=phrase, then=Value(2)),
        When(title__icontains=phrase, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    # Best first: the whole query is the title, or in it; then the most query words in the title.
    communities = communities.annotate(
        _exact=exact, _title_words=sum(title_words[1:], title_words[0])
    ).order_by("-_exact", "-_title_words", "title", "pk")
    rows = list(communities[: limit + 1])
    parent_ids = {policy.tree[c.pk][1] for c in rows} - {None}
    parents = {
        p.pk: p
        for p in CommunityPage.objects.filter(pk__in=parent_ids).only(
            "id", "title", "url_path", "path", "depth"
        )
    }
    results = []
    for community in rows[:limit]:
        parent = parents.get(policy.tree[community.pk][1])
        visibility = community.get_visibility_display().split(":")[0]
        members = ngettext("%(count)s member", "%(count)s members", community.member_count) % {
            "count": community.member_count
        }
        results.append(
            SearchResult(
                title=community.title,
                url=community.get_url(request),
                kind_label=_("Sub-community") if parent else _("Community"),
                community=parent,
                date=community.last_published_at,
                text=community.purpose,
                meta=" · ".join([visibility, members]),
            )
        )
    return SearchSection(COMMUNITIES, _("Communities"), results, capped=len(rows) > limit)


# -- the page ------------------------------------------------------------------------------------------------


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search for"), required=False, strip=True)
    kind = forms.CharField(required=False)

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = [ALL, *kinds]

    def clean_q(self):
        # A query too long is cut, not refused: only its first words are searched anyway.
        return " ".join(self.cleaned_data["q"][:MAX_QUERY_LENGTH].split())

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        return kind if kind in self.kinds else ALL


def sections_for(request, policy, query):
    """Every section of the page for this query: communities first, then each feature in navigation order."""
    sections = [search_communities(request, policy, query)]
    for feature in registry:
        if feature.search is None:
            continue
        found = feature.search(request, policy, query) or []
        sections.extend([found] if isinstance(found, SearchSection) else found)
    for section in sections:
        for result in section.results:
            result.kind = section.name
    return sections


def merge(sections):
    """One list from ranked sections. Scores of different backends and models cannot be compared, so results
    are interleaved by rank (each section's best, then each section's second...): reciprocal-rank fusion with
    equal weights. Ties go to the earlier section."""
    ranked = [
        (rank, order, result) for order, s in enumerate(sections) for rank, result in enumerate(s.results)
    ]
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [result for _, _, result in ranked]


def _kinds():
    """``[(name, label)]`` of the filter: communities, then each feature that searches."""
    return [(COMMUNITIES, _("Communities"))] + [(f.name, f.label) for f in registry if f.search is not None]


def _prepare(results, request, query):
    """Fill in what showing ``results`` needs: the excerpt with the query highlighted, the community's URL."""
    for result in results:
        if result.excerpt_html is None:
            result.excerpt_html = highlight(clean_text(result.text), query)
        community = result.community
        result.community_url = community.get_url(request) if community is not None else ""
    return results


# -- the host's own search page ------------------------------------------------------------------------------


@dataclass
class CommunityResults:
    """What :func:`community_results` found: the first results to show on the host's search page, and the
    address of khub's search page with all of them."""

    query: str
    #: The most relevant :class:`SearchResult`\ s, at most the ``limit`` asked for, ready to show.
    results: list
    #: How many results khub's search page has for the query (at most MAX_RESULTS, see ``capped``).
    total: int
    #: More than MAX_RESULTS matched.
    capped: bool
    #: khub's search page for the query (``/khub/search/?q=...``), with every result and the kind filter.
    search_url: str
    #: Whether this person may search communities at all (False: an anonymous visitor on a site that keeps
    #: communities for signed-in staff; the include then shows nothing).
    admitted: bool

    def __bool__(self):
        return bool(self.results)

    def __len__(self):
        return len(self.results)

    def __iter__(self):
        return iter(self.results)


def community_results(request, query, limit=5):
    """The communities and community content matching ``query`` that the person making ``request`` may see,
    for the host intranet's own search page: the ``limit`` most relevant (as on khub's search page, in the
    same order), how many there are in all, and a link to see them all.

    Everything goes through the access policy, as on ``khub:search``: anonymous visitors get nothing unless
    KHUB_ALLOW_ANONYMOUS, private communities are found only by their members and invitees, and content only
    by those who may read it. The query may be anything a person typed: operators and quotes are plain text.
    The number of queries does not grow with the number of results. See docs/search.md.
    """
    query = " ".join(str(query or "")[:MAX_QUERY_LENGTH].split())
    search_url = reverse("khub:search") + (f"?{urlencode({'q': query})}" if query else "")
    policy = access.for_request(request)
    if not policy.admitted or not query_terms(query) or limit <= 0:
        return CommunityResults(query, [], 0, False, search_url, policy.admitted)
    sections = sections_for(request, policy, query)
    results = merge(sections)
    capped = len(results) > MAX_RESULTS or any(s.capped for s in sections)
    total = min(len(results), MAX_RESULTS)
    shown = _prepare(results[:limit], request, query)
    return CommunityResults(query, shown, total, capped, search_url, True)


def search(request):
    """The site-wide search page."""
    denied = access.sign_in_required(request)
    if denied:
        return denied
    policy = access.for_request(request)
    kinds = _kinds()
    form = SearchForm(request.GET, kinds=[name for name, _ in kinds])
    query, kind = "", ALL
    if form.is_valid():
        query, kind = form.cleaned_data["q"], form.cleaned_data["kind"]
    searched = bool(query_terms(query))
    sections = sections_for(request, policy, query) if searched else []
    counts = {}
    for section in sections:
        counts[section.name] = counts.get(section.name, 0) + len(section.results)
    shown = [s for s in sections if kind == ALL or s.name == kind]
    results = merge(shown)
    capped = len(results) > MAX_RESULTS or any(s.capped for s in shown)
    results = results[:MAX_RESULTS]
    page = paginate(request, results, per_page=PER_PAGE)
    _prepare(page.object_list, request, query)
    filters = [
        {"name": ALL, "label": _("All"), "count": min(sum(counts.values()), MAX_RESULTS)},
        *({"name": name, "label": label, "count": counts.get(name, 0)} for name, label in kinds),
    ]
    context = {
        **khub_context(request),
        "form": form,
        "query": query,
        "kind": kind,
        "searched": searched,
        "filters": filters,
        "page_obj": page,
        "result_count": len(results),
        "capped": capped,
        "max_results": MAX_RESULTS,
        "querystring": querystring_without_page(request),
    }
    return TemplateResponse(request, "khub_plugin/communities/search.html", context)

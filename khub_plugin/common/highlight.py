"""The words of a search query, and search-result excerpts with those words highlighted.

:func:`query_terms` turns what someone typed into a bounded list of plain words: punctuation, quotes and
operator characters (``"``, ``*``, ``-``, ``(``, ``:``) are dropped, so nothing a person types can reach a
search backend's query syntax. :func:`highlight` cuts a window of *plain text* around the first word that
matches and wraps every matching word in ``<mark>``.

Safety: ``highlight`` never touches HTML. It finds matches in the plain text, then escapes each piece of text
on its own and puts ``<mark>`` tags *between* escaped pieces. A match can therefore never split or
re-assemble an entity (``&lt;`` stays ``&lt;`` whatever the query), and nothing in the text is ever
unescaped. Give it plain text: run member HTML through :func:`khub_plugin.common.sanitize.clean_text` first.
"""

import re
import unicodedata

from django.utils.html import escape
from django.utils.safestring import mark_safe

#: At most this many characters of a query are looked at, and at most this many words are searched for.
MAX_QUERY_LENGTH = 200
MAX_TERMS = 10
#: Longer "words" are cut to this many characters (nobody searches for a 500-letter word on purpose).
MAX_TERM_LENGTH = 50
#: Matches are looked for in the first this many characters of a text (an excerpt shows the start after it).
MAX_TEXT_LENGTH = 50_000

# Common English endings, removed to highlight "plans" for "planning": the PostgreSQL backend stems words, so
# it finds documents whose wording differs from the query's. A crude heuristic, for highlighting only.
_SUFFIXES = ("ations", "ation", "ings", "ing", "ions", "ion", "ies", "ed", "es", "s")


def _is_word_char(char):
    # Letters, digits and combining marks (so "é" written as "e" + accent, or Devanagari vowel signs, stay in
    # their word). Everything else, "_" included, separates words, as the full-text tokenisers do.
    return unicodedata.category(char)[0] in "LNM"


def query_terms(query):
    """The distinct words of ``query``, in order, without punctuation or operators; at most
    :data:`MAX_TERMS`. ``'"council AND (tax)" -rates*'`` gives ``["council", "AND", "tax", "rates"]``."""
    text = unicodedata.normalize("NFC", str(query or "")[:MAX_QUERY_LENGTH])
    terms, current, seen = [], [], set()
    for char in text + " ":
        if _is_word_char(char):
            current.append(char)
            continue
        if current:
            term = "".join(current)[:MAX_TERM_LENGTH]
            current = []
            if term.casefold() not in seen:
                seen.add(term.casefold())
                terms.append(term)
    return terms[:MAX_TERMS]


def search_string(query):
    """``query`` as a string of plain words separated by spaces, safe to hand to any search backend ("" if
    nothing searchable is left)."""
    return " ".join(query_terms(query))


def _fold(text):
    """``text`` case- and accent-folded, and the index in ``text`` of each folded character (``None`` when
    they are the same: plain ASCII, the usual case, folds character for character)."""
    if text.isascii():
        return text.lower(), None
    folded, origin = [], []
    for index, char in enumerate(text):
        if char < "\x80":
            folded.append(char.lower())
            origin.append(index)
            continue
        for part in unicodedata.normalize("NFKD", char.casefold()):
            if unicodedata.category(part) == "Mn" and folded:
                continue  # an accent: "é" matches "e"
            folded.append(part)
            origin.append(index)
    return "".join(folded), origin


def _stem(term):
    for suffix in _SUFFIXES:
        if term.endswith(suffix) and len(term) - len(suffix) >= 4:
            stem = term[: -len(suffix)]
            # "planning" -> "plann" -> "plan"
            return stem[:-1] if stem[-1] == stem[-2] and stem[-1] not in "aeiouls" else stem
    return term


def _pattern(query):
    """A regex matching, in folded text, the words that start with a query term (or its crude stem). Terms
    shorter than three letters match whole words only: "a" does not light up every word beginning with a."""
    alternatives = set()
    for term in query_terms(query):
        folded, _ = _fold(term)
        if not folded:
            continue
        if len(folded) < 3:
            alternatives.add(re.escape(folded) + r"(?![^\W_])")
        else:
            alternatives.add(re.escape(_stem(folded)) + r"[^\W_]*")
            alternatives.add(re.escape(folded) + r"[^\W_]*")
    if not alternatives:
        return None
    ordered = sorted(alternatives, key=len, reverse=True)  # longest first: mark the whole word
    return re.compile(r"(?<![^\W_])(?:" + "|".join(ordered) + ")")


def _matches(text, query):
    """``[(start, end), ...]``: spans of ``text`` (original indexes) that match the query."""
    pattern = _pattern(query)
    if pattern is None or not text:
        return []
    folded, origin = _fold(text[:MAX_TEXT_LENGTH])
    spans = []
    for match in pattern.finditer(folded):
        if match.end() == match.start():
            continue
        if origin is None:
            start, end = match.start(), match.end()
        else:
            start, end = origin[match.start()], origin[match.end() - 1] + 1
        if spans and start < spans[-1][1]:
            continue
        spans.append((start, end))
    return spans


def _window(text, spans, length):
    """``(start, end)`` of at most ``length`` characters of ``text``, around the first match if any, cut at
    spaces where possible."""
    if length is None or len(text) <= length:
        return 0, len(text)
    if not spans:
        start = 0
    else:
        first_start, first_end = spans[0]
        # Some context before the match, most of the window after it.
        start = max(0, first_start - length // 4)
        if first_end - start > length:
            start = first_start
        if start > 0:
            space = text.find(" ", start, first_start)
            if space != -1:
                start = space + 1
    end = min(len(text), start + length)
    if end == len(text):
        start = max(0, end - length)
        if start > 0:
            space = text.find(" ", start, spans[0][0] if spans else end)
            if space != -1:
                start = space + 1
    elif not text[end].isspace():
        space = text.rfind(" ", start, end)
        if space > start + length // 2:
            end = space
    return start, end


def highlight(text, query, length=240):
    """Escaped HTML: at most ``length`` characters of the plain ``text`` (all of it if ``length`` is None),
    around the first word matching ``query``, with every matching word wrapped in ``<mark>``, and "…" where
    the text was cut. Without a match it is the start of the text. Returns a ``SafeString``."""
    text = " ".join(str(text or "").split())
    spans = _matches(text, query)
    start, end = _window(text, spans, length)
    parts = ["…" if start > 0 else ""]
    position = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        parts.append(escape(text[position:span_start]))
        parts.append("<mark>" + escape(text[span_start:span_end]) + "</mark>")
        position = span_end
    parts.append(escape(text[position:end]))
    if end < len(text):
        parts.append("…")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text was escaped above

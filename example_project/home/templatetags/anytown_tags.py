from django import template
from wagtail.models import Site

register = template.Library()


@register.inclusion_tag("includes/main_menu.html", takes_context=True)
def main_menu(context):
    """The intranet's top navigation: the home page and its live children marked "show in menus"."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return {"items": [], "request": request}
    home = site.root_page
    # Titles and URLs are on the base Page: no .specific() (it would cost a query per page type).
    items = [home, *home.get_children().live().in_menu()]
    return {"items": items, "request": request, "current": context.get("page")}

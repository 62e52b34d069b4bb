"""``{% capture as name %}…{% endcapture %}``: renders its content once into a context variable
(trimmed, already escaped) and writes nothing in place, so that a page can use what a block
rendered in two places: resident/base.html puts the page's heading in the app bar and, inside
WeChat, in <title> (a block may appear only once in a template)."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


class CaptureNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str):
        self.nodelist = nodelist  # child_nodelists: a {% block %} inside is still overridable
        self.name = name

    def render(self, context) -> str:
        # What a template renders is escaped already: kept as it is, not escaped twice.
        context[self.name] = mark_safe(self.nodelist.render(context).strip())  # noqa: S308
        return ""


@register.tag
def capture(parser, token) -> CaptureNode:
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Usage: {% capture as name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])

"""Money as every page, message and document writes it: ``{% load money %}{{ amount|yuan }}``.

One spelling for the whole site: ``¥1,234.50``; ``-¥3.00`` for a negative amount; ``—`` for
no amount. Grouped by thousands as on Chinese bills, whatever the language of the page (the
zh-hans number format has no grouping, so ``floatformat``/``intcomma`` cannot be used for it).
Python code that writes money into text (PDFs, tables, reports) calls :func:`yuan` too.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

FEN = Decimal("0.01")
NO_AMOUNT = "—"


def yuan(value: Decimal | int | str | None) -> str:
    """``¥1,234.50``: rounded half up to the fen (as bills are), never through a float."""
    if value is None or value == "":
        return NO_AMOUNT
    if isinstance(value, float):
        # A float has no business holding money; its shortest repr at least avoids binary noise.
        value = repr(value)
    amount = Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)
    return f"{'-' if amount < 0 else ''}¥{abs(amount):,.2f}"


@register.filter(name="yuan", is_safe=True)
def yuan_filter(value: Decimal | int | str | None) -> str:
    """The template filter: like :func:`yuan`, and nothing (no error) for what is not a number."""
    try:
        return yuan(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""

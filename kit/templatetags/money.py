"""Money as every page, message and document writes it: ``{% load money %}{{ amount|yuan }}``.

One spelling for the whole site: ``¥1,234.50``; ``-¥3.00`` for a negative amount; ``—`` for
no amount. Grouped by thousands as on Chinese bills, whatever the language of the page (the
zh-hans number format has no grouping, so ``floatformat``/``intcomma`` cannot be used for it).
A unit price keeps the precision it was set with: ``{{ price|yuan:"price" }}`` → ``¥0.538``
(tiered water prices have three decimals), ``¥2.80``.
Python code that writes money into text (PDFs, tables, reports) calls :func:`yuan` too.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

FEN = Decimal("0.01")
NO_AMOUNT = "—"


def _decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        # A float has no business holding money; its shortest repr at least avoids binary noise.
        value = repr(value)
    return Decimal(value)


def _spell(amount: Decimal) -> str:
    return f"{'-' if amount < 0 else ''}¥{abs(amount):,f}"


def yuan(value: Decimal | int | str | None) -> str:
    """An amount, ``¥1,234.50``: rounded half up to the fen (as bills are), never via a float."""
    if value is None or value == "":
        return NO_AMOUNT
    return _spell(_decimal(value).quantize(FEN, rounding=ROUND_HALF_UP))


def yuan_price(value: Decimal | int | str | None) -> str:
    """A unit price as precise as it was set, at least to the fen: 2.8000 → ``¥2.80``,
    0.5380 → ``¥0.538``."""
    if value is None or value == "":
        return NO_AMOUNT
    price = _decimal(value).normalize()
    if price.as_tuple().exponent > -2:
        price = price.quantize(FEN)
    return _spell(price)


KINDS = {"amount": yuan, "price": yuan_price}


@register.filter(name="yuan", is_safe=True)
def yuan_filter(value: Decimal | int | str | None, kind: str = "amount") -> str:
    """``{{ amount|yuan }}``, ``{{ unit_price|yuan:"price" }}``: like :func:`yuan` and
    :func:`yuan_price`, and nothing (no error) for what is not a number."""
    try:
        spell = KINDS[kind]
    except KeyError:
        raise template.TemplateSyntaxError(
            f"yuan: {kind!r} is not one of {sorted(KINDS)}"
        ) from None
    try:
        return spell(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""

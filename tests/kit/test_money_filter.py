"""The one money filter: {{ amount|yuan }} writes ¥1,234.50 on every page."""

from decimal import Decimal

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation

from kit.templatetags.money import yuan, yuan_price


def render(value, language="zh-hans"):
    with translation.override(language):
        return Template("{% load money %}{{ value|yuan }}").render(Context({"value": value}))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1234.5"), "¥1,234.50"),
        (Decimal("1234567.891"), "¥1,234,567.89"),
        (Decimal("0"), "¥0.00"),
        (Decimal("0.005"), "¥0.01"),  # half up to the fen, as bills are rounded
        (Decimal("2.345"), "¥2.35"),
        (Decimal("-3"), "-¥3.00"),
        (Decimal("-1234.5"), "-¥1,234.50"),
        (Decimal("-0.001"), "¥0.00"),  # no "-¥0.00"
        (300, "¥300.00"),
        ("275.8", "¥275.80"),
        (None, "—"),
        ("", "—"),
    ],
)
def test_amounts(value, text):
    assert render(value) == text
    assert yuan(value) == text


def test_grouped_by_thousands_in_every_language():
    # The zh-hans number format has no grouping: the filter does not depend on it.
    assert render(Decimal("1234.5"), "zh-hans") == render(Decimal("1234.5"), "en") == "¥1,234.50"


def test_floats_go_through_their_shortest_text_not_binary_arithmetic():
    assert yuan(0.1 + 0.2) == "¥0.30"
    assert (
        yuan(2.675) == "¥2.68"
    )  # the float 2.675 is 2.67499999…: rounding it as a float gives 2.67


@pytest.mark.parametrize("value", ["abc", object(), Decimal("NaN"), Decimal("Infinity")])
def test_what_is_not_an_amount_renders_nothing(value):
    assert render(value) == ""


def test_python_callers_get_an_error_for_what_is_not_an_amount():
    with pytest.raises(ArithmeticError):
        yuan("abc")


def test_output_is_safe_text():
    # Nothing to escape, so autoescaping (e.g. in attributes) leaves it as it is.
    html = Template('{% load money %}<b title="{{ v|yuan }}">{{ v|yuan }}</b>').render(
        Context({"v": Decimal("1000")})
    )
    assert html == '<b title="¥1,000.00">¥1,000.00</b>'


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("2.8000"), "¥2.80"),
        (Decimal("0.5380"), "¥0.538"),
        (Decimal("3"), "¥3.00"),
        (Decimal("1200"), "¥1,200.00"),
        (Decimal("1234.5678"), "¥1,234.5678"),
        (None, "—"),
    ],
)
def test_unit_prices_keep_their_precision(value, text):
    html = Template('{% load money %}{{ value|yuan:"price" }}').render(Context({"value": value}))
    assert html == yuan_price(value) == text


def test_an_unknown_kind_is_a_mistake_in_the_template():
    with pytest.raises(TemplateSyntaxError):
        Template('{% load money %}{{ value|yuan:"cents" }}').render(Context({"value": 1}))

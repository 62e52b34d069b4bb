"""A filter bar's date range that runs backwards is refused with a clear message at its end
field, and what was typed stays (issue 19): one place, staff.filtering.StaffFilterSet."""

import pytest
from django.urls import reverse

from staff.filtering import date_ranges

pytestmark = pytest.mark.django_db

BACKWARDS = "不能早于"


def test_the_ranges_are_found_by_name():
    names = ["q", "paid_from", "paid_until", "period_from", "period_until", "made_after",
             "made_before", "lonely_from"]  # fmt: skip
    assert date_ranges(names) == [
        ("paid_from", "paid_until"),
        ("period_from", "period_until"),
        ("made_after", "made_before"),
    ]


@pytest.mark.req("SREP-2", "SBIL-2")
@pytest.mark.parametrize(
    ("url_name", "start", "end", "first", "last"),
    [
        ("repairs_staff:queue", "reported_from", "reported_until", "2026-03-10", "2026-03-01"),
        ("billing_staff:payments", "paid_from", "paid_until", "2026-03-10", "2026-03-01"),
        ("billing_staff:bills", "period_from", "period_until", "2026-03", "2026-01"),
    ],
)
def test_a_backwards_range_is_refused_and_kept(
    client_for, manager, url_name, start, end, first, last
):
    response = client_for(manager).get(reverse(url_name), {start: first, end: last})
    page = response.content.decode()
    assert BACKWARDS in page
    form = response.context["filter"].form
    assert list(form.errors) == [end]
    assert (form[start].value(), form[end].value()) == (first, last)


@pytest.mark.req("SREP-2")
def test_a_forward_range_filters_as_before(client_for, manager):
    response = client_for(manager).get(
        reverse("repairs_staff:queue"),
        {"reported_from": "2026-03-01", "reported_until": "2026-03-10"},
    )
    assert response.status_code == 200
    assert not response.context["filter"].form.errors


@pytest.mark.req("SREP-2", "SBIL-2")
@pytest.mark.parametrize(
    ("url_name", "params"),
    [
        ("repairs_staff:queue", {"reported_from": "2026-03-10", "reported_until": "2026-03-01"}),
        ("billing_staff:payments", {"paid_from": "2026-03-10", "paid_until": "2026-03-01"}),
        ("billing_staff:bills", {"period_from": "2026-03", "period_until": "2026-01"}),
    ],
)
def test_the_error_is_said_once_and_reaches_the_page_after_an_htmx_swap(
    client_for, manager, url_name, params
):
    """The bar's htmx request swaps only the table; the error box comes along out of band
    (hx-select-oob), so a range typed backwards is never silently half-applied."""
    client = client_for(manager)
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        page = client.get(reverse(url_name), params, **headers).content.decode()
        assert page.count(BACKWARDS) == 1
        box = page.index('id="filter-errors"')
        assert box < page.index(BACKWARDS) < page.index("</form>", box)
    form_tag = page[page.rindex("<form", 0, box) : box]
    assert 'hx-select-oob="#filter-errors"' in form_tag

"""The 缴费 tab counts the household's unpaid bills, and says so to screen readers."""

import re

from django.urls import reverse


def test_the_fees_tab_badge_counts_unpaid_bills(client_for, family_member, published_bill):
    page = client_for(family_member).get(reverse("accounts:home")).content.decode()
    fees_tab = re.search(r'<a[^>]*href="/bills/"[^>]*>.*?</a>', page, re.S).group(0)
    assert re.search(r">1<span class=\"visually-hidden\"> 张未缴账单</span>", fees_tab)
    assert "未读" not in fees_tab

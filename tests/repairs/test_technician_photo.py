"""The technician's photo on the order page: for the order's household, nobody else."""

import pytest
from django.urls import reverse

from kit.images import avatar_from_upload
from tests.factories import photo_upload


@pytest.mark.req("REP-6")
def test_the_household_sees_the_dispatched_technicians_photo(
    make_order, technician, family_member, outsider, client_for
):
    order = make_order("pending")
    url = reverse("repairs:technician_photo", args=[order.pk])
    assert client_for(family_member).get(url).status_code == 404  # nobody dispatched yet
    technician.avatar.save("a.jpg", avatar_from_upload(photo_upload()))
    order = make_order("assigned")
    url = reverse("repairs:technician_photo", args=[order.pk])
    page = client_for(family_member).get(reverse("repairs:detail", args=[order.pk]))
    assert url in page.content.decode()
    response = client_for(family_member).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(outsider).get(url).status_code == 404

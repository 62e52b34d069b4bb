"""Activity posters in the residents' lists (issue 20): a small square thumbnail made when the
poster is saved (and by a data migration for the posters stored before), served behind the
same checks as the poster itself."""

import importlib
import io

import pytest
from django.apps import apps
from django.urls import reverse
from PIL import Image

from services.activities.services import POSTER_THUMBNAIL_SIDE, poster_set
from services.models import Activity
from tests.factories import ActivityFactory, BuildingFactory, photo_upload

pytestmark = pytest.mark.django_db


def poster_url(activity, name="services:activity_poster") -> str:
    return reverse(name, args=[activity.pk])


def jpeg_size(response) -> tuple[int, int]:
    return Image.open(io.BytesIO(b"".join(response.streaming_content))).size


@pytest.mark.req("SVC-3")
def test_a_poster_from_the_staff_form_gets_a_thumbnail_that_the_list_shows(
    client_for, manager, resident, community
):
    from .test_activities_staff import form_data

    client_for(manager).post(
        reverse("services_staff:activity_create"),
        {**form_data(), "poster_upload": photo_upload(size=(1600, 900))},
    )
    activity = Activity.objects.get()
    Activity.objects.filter(pk=activity.pk).update(status=Activity.Status.PUBLISHED)
    assert activity.poster_thumbnail.name.endswith(".jpg")
    client = client_for(resident)
    html = client.get(reverse("services:activity_list")).content.decode()
    assert f'{poster_url(activity)}?thumb=1"' in html
    thumbnail = client.get(poster_url(activity) + "?thumb=1")
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"
    assert jpeg_size(thumbnail) == (POSTER_THUMBNAIL_SIDE, POSTER_THUMBNAIL_SIDE)
    assert int(thumbnail["Content-Length"]) < activity.poster.size // 3
    assert jpeg_size(client.get(poster_url(activity))) == (1600, 900)  # the detail's poster
    staff_thumbnail = client_for(manager).get(
        poster_url(activity, "services_staff:activity_poster") + "?thumb=1"
    )
    assert jpeg_size(staff_thumbnail) == (POSTER_THUMBNAIL_SIDE, POSTER_THUMBNAIL_SIDE)


@pytest.mark.req("X-1", "SVC-3")
def test_the_thumbnail_is_404_for_another_company_and_outside_the_audience(
    client_for, resident, outsider, outsider_staff, community, other_community
):
    ours = ActivityFactory(community=community)
    elsewhere = ActivityFactory(community=community)
    elsewhere.buildings.set([BuildingFactory(community=community, name="8栋")])
    theirs = ActivityFactory(community=other_community)
    for activity in (ours, elsewhere, theirs):
        poster_set(activity, photo_upload())
        activity.save()
    thumb = "?thumb=1"
    assert client_for(resident).get(poster_url(ours) + thumb).status_code == 200
    assert client_for(resident).get(poster_url(elsewhere) + thumb).status_code == 404
    assert client_for(resident).get(poster_url(theirs) + thumb).status_code == 404
    assert client_for(outsider).get(poster_url(ours) + thumb).status_code == 404
    assert client_for(outsider).get(poster_url(theirs) + thumb).status_code == 200
    staff_url = poster_url(ours, "services_staff:activity_poster") + thumb
    assert client_for(outsider_staff).get(staff_url).status_code == 404


@pytest.mark.req("SVC-3")
def test_the_data_migration_makes_thumbnails_for_the_posters_stored_before(
    client_for, resident, community
):
    activity = ActivityFactory(community=community)
    activity.poster.save("poster.jpg", photo_upload(size=(1200, 675)), save=True)
    no_poster = ActivityFactory(community=community)
    # Before the migration, the list falls back to the poster itself.
    assert jpeg_size(client_for(resident).get(poster_url(activity) + "?thumb=1")) == (1200, 675)
    migration = importlib.import_module("services.migrations.0004_activity_poster_thumbnail")
    migration.make_thumbnails(apps, None)
    activity.refresh_from_db()
    no_poster.refresh_from_db()
    assert activity.poster_thumbnail and not no_poster.poster_thumbnail
    thumbnail = client_for(resident).get(poster_url(activity) + "?thumb=1")
    assert jpeg_size(thumbnail) == (POSTER_THUMBNAIL_SIDE, POSTER_THUMBNAIL_SIDE)

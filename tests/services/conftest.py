"""The catalogue's cast: a provider approved in the resident's community with a member who
uses the provider pages, a finished booking of the resident's household."""

import pytest

from accounts.models import Residency
from services.models import ProviderMember
from tests.factories import UserFactory, catalogue_provider, done_booking


@pytest.fixture
def household(resident, room):
    return Residency.objects.get(user=resident, room=room)


@pytest.fixture
def provider(community):
    return catalogue_provider(community, name="好帮手家政")


@pytest.fixture
def provider_user(provider):
    user = UserFactory(display_name="赵师傅")
    ProviderMember.objects.create(provider=provider, user=user, role="owner")
    return user


@pytest.fixture
def booking(household, provider):
    return done_booking(household, provider)

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.models import User
from accounts.phone import mask_mobile, normalize_mobile


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("19912345678", "19912345678"),
    ],
)
def test_mobile_numbers_are_normalised(typed, stored):
    assert normalize_mobile(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["", "1380013800", "138001380001", "12800138000", "23800138000", "abc", "+1 415 555 0100"],
)
def test_invalid_mobile_numbers_are_refused_in_chinese(typed):
    with pytest.raises(ValidationError) as error:
        normalize_mobile(typed)
    assert "手机号" in error.value.messages[0]


def test_create_user_stores_the_normal_form(db):
    user = User.objects.create_user("+86 139-0000-0001", password="x-secret-1")
    assert user.mobile == "13900000001"
    assert user.check_password("x-secret-1")
    assert not user.is_staff


def test_mobile_is_unique(db):
    User.objects.create_user("13900000001")
    with pytest.raises(IntegrityError):
        User.objects.create_user("139 0000 0001")


def test_email_is_optional_but_unique_when_given(db):
    User.objects.create_user("13900000001")
    User.objects.create_user("13900000002")  # two users without e-mail are fine
    User.objects.create_user("13900000003", email="a@example.com")
    with pytest.raises(IntegrityError):
        User.objects.create_user("13900000004", email="a@example.com")


def test_full_clean_rejects_a_bad_number(db):
    user = User(mobile="12345")
    with pytest.raises(ValidationError) as error:
        user.full_clean()
    assert "mobile" in error.value.message_dict


def test_display_and_masking(db):
    user = User.objects.create_user("13900000001")
    assert str(user) == "139****0001"
    assert mask_mobile("13900000001") == "139****0001"
    user.display_name = "张伟"
    assert str(user) == "张伟"

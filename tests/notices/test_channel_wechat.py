"""WeChat template messages through wechatpy against a local stand-in for the WeChat API:
the token is fetched once and shared through the cache, the message carries the openid, the
template and its keywords, and WeChat's refusals are told apart (NOT-2)."""

import pytest
from allauth.socialaccount.models import SocialAccount

from notices import delivery as spine
from notices.channels import DeliveryError
from notices.channels.wechat import WechatTemplateBackend
from notices.models import Delivery, Message
from tests.wechat_standin import WechatApi

pytestmark = [pytest.mark.django_db, pytest.mark.req("NOT-2")]


@pytest.fixture
def wechat_api(settings):
    api = WechatApi()
    settings.WECHAT_API_BASE_URL = api.base_url
    settings.WECHAT_MP_APP_ID = "wx-test-app"
    settings.WECHAT_MP_APP_SECRET = "wx-test-secret"
    settings.LINLI_SITE_URL = "https://linli.example"
    settings.WECHAT_TEMPLATES = {
        "notification": {
            "template_id": "TPL-NOTIFY",
            "fields": {"thing1": "title", "thing2": "body", "time3": "time"},
        },
        "repair.status_changed": {
            "template_id": "TPL-REPAIR",
            "fields": {"thing1": "title", "thing5": "community"},
        },
    }
    settings.NOTIFY_BACKENDS = {
        **settings.NOTIFY_BACKENDS,
        "wechat": "notices.channels.wechat.WechatTemplateBackend",
    }
    yield api
    api.close()


@pytest.fixture
def follower(resident):
    SocialAccount.objects.create(user=resident, provider="weixin_mp", uid="o-openid")
    return resident


def make_delivery(user, *, event="notice.published", title="明日停水", key=""):
    message = Message.objects.create(
        recipient=user,
        event=event,
        category="notices",
        importance="normal",
        title=title,
        body="3号楼明天 9:00–17:00 停水，请提前储水。",
        url="/notices/1/",
        key=key,
    )
    return Delivery.objects.create(message=message, channel="wechat")


def test_template_message_reaches_the_openid(wechat_api, follower):
    delivery = make_delivery(follower)

    assert spine.deliver_one(delivery.pk) == "sent"

    [message] = wechat_api.messages
    assert message["touser"] == "o-openid"
    assert message["template_id"] == "TPL-NOTIFY"
    assert message["url"] == "https://linli.example/notices/1/"
    assert message["data"]["thing1"] == {"value": "明日停水"}
    body = message["data"]["thing2"]["value"]
    assert body.startswith("3号楼明天") and len(body) <= 20
    assert message["data"]["time3"]["value"][:2] == "20"
    assert wechat_api.token_params == [
        {"grant_type": "client_credential", "appid": "wx-test-app", "secret": "wx-test-secret"}
    ]
    assert Delivery.objects.get(pk=delivery.pk).status == "sent"


def test_event_template_and_community_keyword(wechat_api, follower):
    WechatTemplateBackend().send(make_delivery(follower, event="repair.status_changed"))
    [message] = wechat_api.messages
    assert message["template_id"] == "TPL-REPAIR"
    assert set(message["data"]) == {"thing1", "thing5"}
    assert message["data"]["thing5"]["value"]  # the resident's community (or the site name)


def test_token_is_fetched_once_for_two_sends(wechat_api, follower):
    WechatTemplateBackend().send(make_delivery(follower, key="1"))
    WechatTemplateBackend().send(make_delivery(follower, key="2"))
    assert len(wechat_api.messages) == 2
    assert wechat_api.tokens_issued == ["token-1"]


def test_refused_or_unfollowed_fails_for_good(wechat_api, follower):
    delivery = make_delivery(follower)
    wechat_api.errcodes = [43004]
    with pytest.raises(DeliveryError) as error:
        WechatTemplateBackend().send(delivery)
    assert error.value.permanent and "43004" in error.value.reason

    wechat_api.errcodes = [43101]
    assert spine.deliver_one(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "43101" in delivery.last_error


def test_ended_token_is_replaced_once(wechat_api, follower):
    WechatTemplateBackend().send(make_delivery(follower, key="1"))
    # WeChat ended the cached token (another server fetched one): a fresh one, sent again.
    wechat_api.errcodes = [40001]
    WechatTemplateBackend().send(make_delivery(follower, key="2"))
    assert wechat_api.tokens_issued == ["token-1", "token-2"]
    assert len(wechat_api.messages) == 2


def test_token_refused_again_is_a_retryable_error(wechat_api, follower):
    delivery = make_delivery(follower)
    wechat_api.errcodes = [40001, 40001]
    with pytest.raises(DeliveryError) as error:
        WechatTemplateBackend().send(delivery)
    assert not error.value.permanent and "40001" in error.value.reason
    assert wechat_api.messages == []

    wechat_api.errcodes = [40001, 40001]
    assert spine.deliver_one(delivery.pk) == "retry"
    assert Delivery.objects.get(pk=delivery.pk).status == "queued"


def test_no_openid_fails_for_good(wechat_api, resident):
    with pytest.raises(DeliveryError) as error:
        WechatTemplateBackend().send(make_delivery(resident))
    assert error.value.permanent
    assert wechat_api.messages == [] and wechat_api.tokens_issued == []


def test_unreachable_api_is_retried(wechat_api, follower, settings):
    settings.WECHAT_API_BASE_URL = "http://127.0.0.1:9/cgi-bin/"
    with pytest.raises(DeliveryError) as error:
        WechatTemplateBackend().send(make_delivery(follower))
    assert not error.value.permanent

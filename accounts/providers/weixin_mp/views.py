from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView

from ..weixin.views import WechatOAuth2Adapter


class WechatOfficialAccountOAuth2Adapter(WechatOAuth2Adapter):
    provider_id = "weixin_mp"
    default_authorize_url = "https://open.weixin.qq.com/connect/oauth2/authorize"


oauth2_login = OAuth2LoginView.adapter_view(WechatOfficialAccountOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(WechatOfficialAccountOAuth2Adapter)

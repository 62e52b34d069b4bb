from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from .provider import WechatQRProvider

urlpatterns = default_urlpatterns(WechatQRProvider)

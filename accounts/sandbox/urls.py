from django.urls import path

from . import views

app_name = "oauth_sandbox"

urlpatterns = [
    path("weixin/connect/qrconnect", views.authorize, {"provider": "weixin"}, name="weixin_qr"),
    path(
        "weixin/connect/oauth2/authorize",
        views.authorize,
        {"provider": "weixin_mp"},
        name="weixin_mp_authorize",
    ),
    path("weixin/sns/oauth2/access_token", views.wechat_token, name="wechat_token"),
    path("weixin/sns/userinfo", views.wechat_userinfo, name="wechat_userinfo"),
    path("qq/oauth2.0/authorize", views.authorize, {"provider": "qq"}, name="qq_authorize"),
    path("qq/oauth2.0/token", views.qq_token, name="qq_token"),
    path("qq/oauth2.0/me", views.qq_me, name="qq_me"),
    path("qq/user/get_user_info", views.qq_userinfo, name="qq_userinfo"),
]

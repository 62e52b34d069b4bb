"""WeChat login inside WeChat's own browser: the official account's web OAuth (snsapi_userinfo).

Another WeChat app than the QR login, so another openid for the same person; this openid is
the one WeChat Pay JSAPI and template messages need (kit.wechat.mp_openid).
"""

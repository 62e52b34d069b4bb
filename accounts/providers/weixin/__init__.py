"""WeChat QR login (open-platform website app): allauth's `weixin` provider with our adapter.

Installed as allauth.socialaccount.providers.weixin and swapped for WechatQRProvider through
SOCIALACCOUNT_PROVIDERS["weixin"]["provider_class"], so its URLs and views come from here.
"""

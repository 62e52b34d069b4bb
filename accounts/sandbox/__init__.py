"""Local stand-ins for WeChat's and QQ's OAuth servers, for `make run` (LINLI_OAUTH_SANDBOX).

Mounted under /sandbox/oauth/ only when the setting is on. The authorize pages ask "agree?";
the token, openid and user-info endpoints answer in each provider's real formats (JSON for
WeChat; form-encoded token, JSONP /oauth2.0/me and JSON get_user_info for QQ), check the app's
id and secret, and take each code once. Only the sandbox apps of settings are accepted.
"""

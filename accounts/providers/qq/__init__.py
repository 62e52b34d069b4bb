"""QQ login (QQ互联, graph.qq.com): allauth ships none, so this is ours.

Authorize → token (form-encoded reply) → /oauth2.0/me (JSONP reply: the openid) →
/user/get_user_info (JSON: nickname and avatar).
"""

"""Social login: WeChat (QR on desktops, official account inside WeChat) and QQ on django-allauth.

Each provider is its own package as allauth expects (provider.py, views.py, urls.py). A new
social user ends at the bind-phone form (forms.BindPhoneForm): no account exists until the
mobile number is proven by an SMS code.
"""

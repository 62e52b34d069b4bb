from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from platform_admin.views import favicon, healthz, robots_txt

admin.site.site_header = _("Linli platform administration")
admin.site.site_title = _("Linli platform administration")
admin.site.index_title = _("Platform settings and data")
# One login for everybody: the admin's login page sends to the site's, with its password limits
# and the second factor (accounts.mfa).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.providers.urls")),
    path("accounts/", include("accounts.urls_auth")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("favicon.ico", favicon, name="favicon"),
    path("staff/", include("staff.urls")),
    path("staff/", include("staff.urls_residents")),
    path("staff/", include("notices.urls_staff")),
    path("staff/", include("repairs.urls_staff")),
    path("staff/", include("repairs.urls_tech")),
    path("staff/", include("billing.urls_staff")),
    path("staff/", include("services.urls_staff")),
    path("staff/", include("complaints.urls_staff")),
    path("staff/", include("platform_admin.reports.urls_staff")),
    path("provider/", include("services.urls_provider")),
    path("invitations/staff/", include("staff.urls_invitation")),
    path("", include("notices.urls")),
    path("", include("repairs.urls")),
    path("", include("billing.urls")),
    path("", include("services.urls")),
    path("", include("complaints.urls")),
    path("", include("accounts.urls")),
]

if settings.LINLI_OAUTH_SANDBOX:
    urlpatterns.append(path("sandbox/oauth/", include("accounts.sandbox.urls")))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

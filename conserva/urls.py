from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from conserva.views import bench_empty, health

urlpatterns = [
    path("", include("subscriptions.urls")),
    path("account/", include("accounts.urls")),
    path("piani/", include("catalog.urls")),
    # orders and payments add pages under others' paths (/piani/…/acquista/, /<service>/rinnova/,
    # /ordini/…/paga/): their urls.py give whole paths.
    path("", include("orders.urls")),
    path("pagamenti/sandbox/", include("sandbox.urls")),
    path("", include("payments.urls")),
    path("fatture/", include("billing.urls")),
    path("aiuto/", include("support.urls")),
    path("pannello/", include("panel.urls")),
    path("pannello/", include("api.key_urls")),
    path("api/v1/", include("api.urls")),
    path("lingua/", login_not_required(set_language), name="set_language"),
    path("salute/", health, name="health"),
    path("salute/", include("lifecycle.urls")),
    path("admin/", admin.site.urls),
]
if settings.BENCH_EMPTY_VIEW:
    urlpatterns.append(path("bench/vuota/", bench_empty))

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path

admin.site.site_header = f"{settings.SITE_UNIT}无职党员设岗定责 · 系统管理"
admin.site.site_title = "设岗定责系统管理"
admin.site.index_title = "数据管理"


def healthz(request):
    """For a load balancer or monitor: the app answers. Also the bare view the benchmarks compare pages with."""
    return HttpResponse("ok", content_type="text/plain")


def favicon(request):
    """Browsers ask for /favicon.ico before (or without) reading a page's icon link."""
    return HttpResponseRedirect(static("img/favicon.svg"))


urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("grids.urls")),
    path("", include("members.urls")),
    path("", include("posts.urls")),
    path("", include("commitments.urls")),
    path("admin/", admin.site.urls),
]

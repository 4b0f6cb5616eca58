from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from wms_project import views
from wms_project.auth_throttle import ThrottledLoginView

handler404 = "wms_project.views.not_found"

api_v1 = [
    path("", include("inventory.api.urls")),
    path("", include("warehouse.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("returns.api.urls")),
    path("", include("integrations.urls")),
    path("", include("billing.api_urls")),
    path("", include("ops.api.urls")),
    path("auth/", include("wms_project.auth_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/live", views.healthz_live, name="healthz-live"),
    path("healthz/ready", views.healthz_ready, name="healthz-ready"),
    path("healthz/workers", views.healthz_workers, name="healthz-workers"),
    path("portal/", include("portal.urls")),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("inventory/", include("inventory.urls")),
    path("warehouse/", include("warehouse.urls")),
    path("returns/", include("returns.urls")),
    path("ops/", include("ops.urls")),
    path("billing/", include("billing.urls")),
    path("api/v1/", include(api_v1)),
    path("", include("shipping.urls", namespace="shipping")),
    path("", include("orders.urls", namespace="orders")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

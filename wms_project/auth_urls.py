from django.urls import path

from wms_project.auth_throttle import ThrottledObtainAuthToken

urlpatterns = [
    # Staff and merchant users exchange username + password for a token that acts with their role.
    path("token/", ThrottledObtainAuthToken.as_view(), name="api-token"),
]

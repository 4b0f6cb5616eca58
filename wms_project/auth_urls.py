from django.urls import path
from rest_framework.authtoken.views import ObtainAuthToken

urlpatterns = [
    # Staff and merchant users exchange username + password for a token that acts with their role.
    path("token/", ObtainAuthToken.as_view(), name="api-token"),
]

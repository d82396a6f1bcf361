from django.urls import path

from api import key_views

app_name = "api_keys"
urlpatterns = [
    path("<uuid:public_id>/chiavi-api/", key_views.key_list, name="list"),
    path("<uuid:public_id>/chiavi-api/<str:prefix>/revoca/", key_views.key_revoke, name="revoke"),
]

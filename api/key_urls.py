from django.urls import path

from api import key_views

app_name = "api_keys"
urlpatterns = [
    path("<uuid:public_id>/chiavi-api/", key_views.key_list, name="list"),
    path("<uuid:public_id>/chiavi-api/<str:prefix>/revoca/", key_views.key_revoke, name="revoke"),
    path("<uuid:public_id>/chiavi-api/webhook/", key_views.webhook_update, name="webhook"),
    path("<uuid:public_id>/chiavi-api/webhook/togli/", key_views.webhook_delete, name="webhook_remove"),
]

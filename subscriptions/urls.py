from django.urls import path

from subscriptions import views

app_name = "subscriptions"
urlpatterns = [
    path("", views.service_list, name="list"),
    path("<uuid:public_id>/", views.service_detail, name="detail"),
]

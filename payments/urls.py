from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("sandbox/<str:token>/", views.sandbox_checkout, name="sandbox_checkout"),
    path("sandbox/<str:token>/autenticazione/", views.sandbox_authenticate, name="sandbox_authenticate"),
    path("webhook/<str:code>/", views.webhook, name="webhook"),
    path("carta-salvata/", views.saved_card, name="saved_card"),
]

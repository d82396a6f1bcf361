from django.urls import path

from sandbox import views

app_name = "sandbox"
urlpatterns = [
    path("<str:token>/", views.checkout_page, name="checkout"),
    path("<str:token>/autenticazione/", views.authenticate, name="authenticate"),
]

from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("registrati/", views.signup, name="signup"),
    path("accedi/", views.login_view, name="login"),
    path("esci/", views.logout_everywhere, name="logout"),
    path("profilo/", views.profile, name="profile"),
    path("password/", views.password_change, name="password_change"),
    path("password/fatto/", views.password_change_done, name="password_change_done"),
    path("password/recupero/", views.password_reset, name="password_reset"),
    path("password/recupero/inviata/", views.password_reset_done, name="password_reset_done"),
    path("password/recupero/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("password/recupero/completato/", views.password_reset_complete, name="password_reset_complete"),
]

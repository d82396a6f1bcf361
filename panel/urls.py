from django.urls import path

from panel import views

app_name = "panel"
urlpatterns = [
    path("accedi/", views.panel_login, name="login"),
    path("esci/", views.panel_logout, name="logout"),
    path("entra/<str:token>/", views.panel_redeem, name="redeem"),
    path("<uuid:public_id>/", views.panel_home, name="home"),
    path("<uuid:public_id>/entra/", views.panel_entry, name="entry"),
    path("<uuid:public_id>/password/", views.panel_password, name="password"),
]

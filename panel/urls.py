from django.urls import path

from panel import views

app_name = "panel"
urlpatterns = [
    path("<uuid:public_id>/", views.panel_entry, name="entry"),
]

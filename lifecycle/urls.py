from django.urls import path

from lifecycle import views

app_name = "lifecycle"
urlpatterns = [
    path("esecuzioni/", views.runs_health_view, name="runs_health"),
]

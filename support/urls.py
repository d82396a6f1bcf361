from django.urls import path

from support import views

app_name = "support"
urlpatterns = [
    path("", views.help_index, name="help"),
    path("guide/<slug:slug>/", views.guide, name="guide"),
    path("guide/<slug:slug>/opinione/", views.guide_feedback, name="guide_feedback"),
    path("richiesta/", views.assistance_request, name="request"),
]

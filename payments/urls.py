from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("webhook/<str:code>/", views.webhook, name="webhook"),
    path("carta-salvata/", views.saved_card, name="saved_card"),
]

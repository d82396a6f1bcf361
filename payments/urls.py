from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("ordini/<str:number>/paga/", views.order_pay, name="pay"),
    path("ordini/<str:number>/esito/", views.order_result, name="result"),
    path("pagamenti/webhook/<str:code>/", views.webhook, name="webhook"),
    path("<uuid:public_id>/rinnovo-automatico/", views.auto_renew, name="auto_renew"),
    path("pagamenti/carta-salvata/", views.saved_card, name="saved_card"),
]

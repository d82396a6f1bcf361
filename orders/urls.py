from django.urls import path

from orders import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("<str:number>/", views.order_detail, name="detail"),
    path("<str:number>/paga/", views.order_pay, name="pay"),
    path("<str:number>/bonifico-effettuato/", views.order_declare_transfer_view, name="declare_transfer"),
    path("<str:number>/annulla/", views.order_cancel_confirm, name="cancel"),
    path("<str:number>/esito/", views.order_result, name="result"),
]

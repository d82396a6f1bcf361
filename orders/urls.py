from django.urls import path

from orders import views

app_name = "orders"
urlpatterns = [
    path("piani/<slug:code>/acquista/", views.buy, name="buy"),
    path("<uuid:public_id>/rinnova/", views.renew, name="renew"),
    path("<uuid:public_id>/aumenta-spazio/", views.increase_space, name="increase_space"),
    path("ordini/", views.order_list, name="list"),
    path("ordini/<str:number>/", views.order_detail, name="detail"),
    path("ordini/<str:number>/bonifico-effettuato/", views.order_declare_transfer_view, name="declare_transfer"),
    path("ordini/<str:number>/annulla/", views.order_cancel_confirm, name="cancel"),
]

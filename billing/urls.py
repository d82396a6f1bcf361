from django.urls import path

from billing import views

app_name = "billing"
urlpatterns = [
    path("", views.invoice_list, name="list"),
    path("<uuid:public_id>/pdf/", views.invoice_pdf, name="pdf"),
    path("<uuid:public_id>/xml/", views.invoice_xml, name="xml"),
]

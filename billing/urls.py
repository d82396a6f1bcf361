from django.urls import path

from billing import views

app_name = "billing"
urlpatterns = [
    path("", views.invoice_list, name="list"),
    path("<int:pk>/pdf/", views.invoice_pdf, name="pdf"),
    path("<int:pk>/xml/", views.invoice_xml, name="xml"),
]

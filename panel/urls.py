from django.urls import path

from panel import archive_views, views

app_name = "panel"
urlpatterns = [
    path("accedi/", views.panel_login, name="login"),
    path("esci/", views.panel_logout, name="logout"),
    path("entra/<str:token>/", views.panel_redeem, name="redeem"),
    path("<uuid:public_id>/", views.panel_home, name="home"),
    path("<uuid:public_id>/entra/", views.panel_entry, name="entry"),
    path("<uuid:public_id>/password/", views.panel_password, name="password"),
    path("<uuid:public_id>/versa/", archive_views.deposit_new, name="deposit"),
    path("<uuid:public_id>/versamenti/", archive_views.deposit_list, name="deposits"),
    path("<uuid:public_id>/versamenti/<uuid:deposit_id>/", archive_views.deposit_detail, name="deposit_detail"),
    path("<uuid:public_id>/versamenti/<uuid:deposit_id>/rapporto/", archive_views.receipt, name="receipt"),
    path("<uuid:public_id>/versamenti/<uuid:deposit_id>/rapporto.xml", archive_views.receipt_xml, name="receipt_xml"),
    path("<uuid:public_id>/esporta/", archive_views.archive_export, name="export"),
    path("<uuid:public_id>/archivio/", archive_views.document_list, name="documents"),
    path("<uuid:public_id>/archivio/<uuid:document_id>/", archive_views.document_detail, name="document"),
    path("<uuid:public_id>/archivio/<uuid:document_id>/scarica/", archive_views.document_file, name="download"),
]

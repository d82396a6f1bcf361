from django.urls import path

from accounts import sign_in_link_views, two_factor_views, views

app_name = "accounts"
urlpatterns = [
    path("registrati/", views.signup, name="signup"),
    path("registrati/controlla-la-posta/", views.signup_done, name="signup_done"),
    path("registrati/conferma/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path("email/", views.email_verification, name="email_verification"),
    path("email/conferma/<str:token>/", views.email_verify_view, name="email_verify"),
    path("accedi/", two_factor_views.login_view, name="login"),
    path("accedi/codice/", two_factor_views.login_code, name="login_code"),
    path("accedi/link/", sign_in_link_views.sign_in_link_ask, name="sign_in_link"),
    path("accedi/link/<str:token>/", sign_in_link_views.sign_in_link_open, name="sign_in_link_open"),
    path("esci/", views.logout_everywhere, name="logout"),
    path("profilo/", views.profile, name="profile"),
    path("profilo/verifica-in-due-passaggi/", two_factor_views.two_factor_page, name="two_factor"),
    path(
        "profilo/verifica-in-due-passaggi/rigenera-codici/", two_factor_views.two_factor_renew, name="two_factor_renew"
    ),
    path(
        "profilo/verifica-in-due-passaggi/disattiva/", two_factor_views.two_factor_turn_off, name="two_factor_turn_off"
    ),
    path(
        "profilo/verifica-in-due-passaggi/attiva/<str:token>/",
        two_factor_views.two_factor_enrol,
        name="two_factor_enrol",
    ),
    path(
        "profilo/verifica-in-due-passaggi/nuovo-link/",
        two_factor_views.two_factor_enrol_resend,
        name="two_factor_enrol_resend",
    ),
    path("profilo/verifica-in-due-passaggi/codici/", two_factor_views.two_factor_codes, name="two_factor_codes"),
    path(
        "profilo/verifica-in-due-passaggi/codici/scarica/",
        two_factor_views.two_factor_codes_download,
        name="two_factor_codes_download",
    ),
    path("password/", views.password_change, name="password_change"),
    path("password/fatto/", views.password_change_done, name="password_change_done"),
    path("password/recupero/", views.password_reset, name="password_reset"),
    path("password/recupero/inviata/", views.password_reset_done, name="password_reset_done"),
    path("password/recupero/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("password/recupero/completato/", views.password_reset_complete, name="password_reset_complete"),
]

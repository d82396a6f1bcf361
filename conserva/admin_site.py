"""The back-office: only operators whose session passed the second factor (issue 10)."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.two_factor_views import TwoFactorLoginView, ask_second_factor, second_step


class ConservaAdminSite(admin.AdminSite):
    site_header = "Conserva – back-office"
    site_title = "Conserva"

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(super().has_permission(request) and request.user.is_verified())  # type: ignore[union-attr]

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """The same two-step sign-in as the customer area, in the admin's look. An operator already
        signed in without the second factor is asked it (or to set it up) instead."""
        index = reverse("admin:index", current_app=self.name)
        user = request.user
        if request.method == "GET" and user.is_authenticated and user.is_active and user.is_staff:
            if not user.is_verified():  # type: ignore[attr-defined]
                return ask_second_factor(
                    request,
                    request.GET.get(REDIRECT_FIELD_NAME) or index,
                    second_step_url="admin:login_code",
                    password_step_url=reverse("admin:login", current_app=self.name),
                )
            return HttpResponseRedirect(index)
        context = {
            **self.each_context(request),
            "title": _("Accedi"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = index
        context.update(extra_context or {})
        request.current_app = self.name
        return TwoFactorLoginView.as_view(
            extra_context=context,
            authentication_form=self.login_form or AdminAuthenticationForm,
            template_name=self.login_template or "admin/login.html",
            redirect_authenticated_user=False,
            second_step_url="admin:login_code",
        )(request)  # type: ignore[return-value]

    def get_urls(self) -> list[URLPattern | URLResolver]:
        return [path("login/codice/", self.login_code, name="login_code"), *super().get_urls()]

    @method_decorator(never_cache)
    @login_not_required
    def login_code(self, request: HttpRequest) -> HttpResponse:
        """The code step of the sign-in, in the admin's look."""
        request.current_app = self.name
        context = {**self.each_context(request), "title": _("Verifica in due passaggi"), "subtitle": None}
        return second_step(request, template_name="accounts/two_factor_code_admin.html", extra_context=context)

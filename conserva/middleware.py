import functools

from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control

from archive.ingest.uploads import parse_keeping_raw_names


class RawUploadNamesMiddleware:
    """Files deposited in the archive (the panel, the API) keep the names they were sent with
    (archive.ingest.uploads), so that a name with a control character is refused in words instead
    of changed or dropped by Django. Other uploads (an operator's bank statement) keep Django's way."""

    ARCHIVE_PATHS = ("/pannello/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(self.ARCHIVE_PATHS):
            request.parse_file_upload = functools.partial(parse_keeping_raw_names, request)
        return self.get_response(request)


class ItalianFirstLocaleMiddleware:
    """Italian unless the person chose another language with the switch (a cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; the product is
    Italian first, so the browser's preference is not enough to change it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()  # the thread's next work (a task, another request) starts in Italian
        response.headers.setdefault("Content-Language", language)
        return response


class PrivateResponsesMiddleware:
    """Cache-Control: no-store, private on every response to a signed-in person (customer area,
    panel, admin, their documents): neither the browser's disk nor a proxy keeps a copy of a page
    or an invoice once the session is over. Public pages (login, sign-up, help) are left as they are.

    Placed after AuthenticationMiddleware, before the middleware that may answer in its stead (a
    session timed out, a login required): it sees every response a signed-in request gets."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's, but an anonymous visit to an admin page signs in on the admin's own login (the
    operators' look and two-step sign-in), not on the customer area's."""

    def handle_no_permission(self, request, view_func):
        if request.path.startswith(reverse("admin:index")):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        return super().handle_no_permission(request, view_func)

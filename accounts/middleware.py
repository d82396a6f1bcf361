from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from lib import clock

# Writing the session on every request would cost a write each time; a minute is precise enough.
LAST_SEEN_RESOLUTION = 60


class SessionTimeoutMiddleware:
    """Ends a signed-in session after SESSION_IDLE_TIMEOUT of inactivity or
    SESSION_ABSOLUTE_TIMEOUT since sign-in, whatever happens in between."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and self._has_timed_out(request.session):
            logout(request)
            messages.info(request, _("La sessione è scaduta: accedi di nuovo."))
            login_page = redirect_to_login(request.get_full_path())
            # A partial (htmx) request would swap the login page into a piece of the old one.
            return HttpResponseClientRedirect(login_page.url) if request.htmx else login_page
        response = self.get_response(request)
        # After the view, so that the request that signs in starts the clock.
        if request.user.is_authenticated:
            now = clock.now().timestamp()
            request.session.setdefault("signed_in_at", now)
            if now - request.session.get("last_seen_at", 0) >= LAST_SEEN_RESOLUTION:
                request.session["last_seen_at"] = now
        return response

    @staticmethod
    def _has_timed_out(session) -> bool:
        now = clock.now().timestamp()
        idle = now - session.get("last_seen_at", now)
        signed_in_for = now - session.get("signed_in_at", now)
        return idle > settings.SESSION_IDLE_TIMEOUT or signed_in_for > settings.SESSION_ABSOLUTE_TIMEOUT

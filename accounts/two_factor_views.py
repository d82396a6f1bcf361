"""Two-step sign-in and the "Verifica in due passaggi" pages of the profile.

A user whose authenticator is confirmed signs in in two steps: the password step only remembers,
in the session and for a few minutes, who is signing in; the second step asks a code and only
then signs the user in (django.contrib.auth.login) and marks the session verified (django_otp)."""

from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, REDIRECT_FIELD_NAME, login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login  # type: ignore[import-untyped,unused-ignore]
from django_otp.plugins.otp_static.models import StaticDevice  # type: ignore[import-untyped,unused-ignore]

from accounts import security_events, two_factor
from accounts.access import account_owner_required
from accounts.forms import EmailAuthenticationForm
from accounts.models import User
from accounts.two_factor_forms import CodeForm, SecondStepForm, TurnOffForm
from lib import clock

PENDING = "two_factor_pending"
PENDING_FOR = 5 * 60  # seconds the second step waits for its code
MAX_ATTEMPTS = 5  # wrong codes in one sign-in, then back to the password
NEW_CODES = "two_factor_new_codes"
ENROLMENT = "two_factor_enrolment"  # the authenticator an operator's set-up link opened in this session
ENROLMENT_SENT = "two_factor_enrolment_sent"  # when this session last had a set-up link mailed
RESEND_AFTER = 60  # seconds


# The sign-in


class TwoFactorLoginView(auth_views.LoginView):
    """The password step; for a user with two factors it leads to the code step instead of signing in."""

    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True
    second_step_url = "accounts:login_code"

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        user = form.get_user()
        if two_factor.two_factor_device(user) is not None:
            return start_second_step(
                self.request,
                user,
                user.backend,
                self.get_success_url(),
                second_step_url=self.second_step_url,
                password_step_url=self.request.path,
            )
        response = super().form_valid(form)
        if two_factor.enrolment_needs_mailbox(user):  # operators work only with two factors: first they set them up
            next_url = self.get_success_url()
            if _is_enrolment_link(next_url):  # signed in to open the mailed link: on to it
                return response
            send_enrolment_link(self.request, user, next_url)
            return redirect(_with_next(reverse("accounts:two_factor"), next_url))
        return response


login_view = login_not_required(TwoFactorLoginView.as_view())


def start_second_step(
    request: HttpRequest,
    user: User,
    backend: str,
    next_url: str,
    *,
    second_step_url: str = "accounts:login_code",
    password_step_url: str = "",
) -> HttpResponse:
    """The second step of any sign-in of a user with two factors (the password forms here, the
    panel's login, a sign-in link): remembers who passed the first step (and where it was, to go
    back there) and sends them to the code step, which signs them in to `next_url`. Public: call it
    instead of django.contrib.auth.login whenever two_factor.two_factor_device(user) is not None."""
    request.session[PENDING] = {
        "user": user.pk,
        "backend": backend,
        "since": clock.now().timestamp(),
        "attempts": 0,
        "next": next_url if _is_safe(request, next_url) else "",
        "password_step": password_step_url or reverse("accounts:login"),
    }
    return redirect(second_step_url)


def ask_second_factor(
    request: HttpRequest,
    next_url: str,
    *,
    second_step_url: str = "accounts:login_code",
    password_step_url: str = "",
) -> HttpResponse:
    """For a signed-in user whose session is not verified (the back-office asks it): the code step,
    or the set-up of an authenticator when they have none."""
    user = cast(User, request.user)  # LoginRequiredMiddleware: never anonymous here
    next_url = next_url if _is_safe(request, next_url) else ""
    if two_factor.two_factor_device(user) is None:
        messages.info(request, _("Per usare il back-office attiva prima la verifica in due passaggi."))
        return redirect(_with_next(reverse("accounts:two_factor"), next_url))
    return start_second_step(
        request,
        user,
        request.session[BACKEND_SESSION_KEY],
        next_url,
        second_step_url=second_step_url,
        password_step_url=password_step_url,
    )


@never_cache
def second_step(
    request: HttpRequest,
    *,
    template_name: str = "accounts/two_factor_code.html",
    extra_context: dict[str, Any] | None = None,
) -> HttpResponse:
    """The code step, for the customer area (login_code) and the back-office (conserva/admin_site.py)."""
    pending = _pending(request)
    user = User.objects.filter(pk=pending["user"], is_active=True).first() if pending else None
    if pending is None or user is None:
        stale = request.session.pop(PENDING, None)
        messages.info(request, _("Accedi di nuovo con email e password."))
        return redirect(_password_step(stale))
    form = SecondStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = two_factor.two_factor_check(
            user=user, token=form.cleaned_data["code"], origin=security_events.origin(request)
        )
        if result.accepted:
            return _finish_sign_in(request, user, pending, result.device)
        if result.throttled_for:
            form.add_error(
                None,
                ngettext(
                    "Troppi tentativi: riprova tra %(seconds)d secondo.",
                    "Troppi tentativi: riprova tra %(seconds)d secondi.",
                    result.throttled_for,
                )
                % {"seconds": result.throttled_for},
            )
        else:
            pending["attempts"] += 1
            request.session[PENDING] = pending
            if pending["attempts"] >= MAX_ATTEMPTS:
                del request.session[PENDING]
                messages.error(request, _("Troppi codici errati: accedi di nuovo con email e password."))
                return redirect(_with_next(_password_step(pending), pending["next"]))
            form.add_error("code", _("Il codice non è corretto o è scaduto."))
    context = {"form": form, **(extra_context or {})}
    return render(request, template_name, context, status=400 if form.errors else 200)


login_code = login_not_required(second_step)


def _finish_sign_in(request: HttpRequest, user: User, pending: dict[str, Any], device: object) -> HttpResponse:
    del request.session[PENDING]
    login(request, user, backend=pending["backend"])
    otp_login(request, device)
    if isinstance(device, StaticDevice):
        left = two_factor.recovery_codes_left(user)
        messages.warning(
            request,
            ngettext(
                "Hai usato un codice di recupero: te ne resta %(left)d. Puoi generarne di nuovi dal profilo.",
                "Hai usato un codice di recupero: te ne restano %(left)d. Puoi generarne di nuovi dal profilo.",
                left,
            )
            % {"left": left},
        )
    return redirect(pending["next"] or resolve_url(settings.LOGIN_REDIRECT_URL))


def _password_step(pending: object) -> str:
    url = pending.get("password_step") if isinstance(pending, dict) else None
    return (
        url if isinstance(url, str) and url.startswith("/") and not url.startswith("//") else reverse("accounts:login")
    )


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or clock.now().timestamp() - pending.get("since", 0) > PENDING_FOR:
        return None
    return pending


# The profile's page


@account_owner_required
@never_cache
def two_factor_page(request: HttpRequest) -> HttpResponse:
    """The state of two factors with what can be done: set up (QR code, secret, first code),
    renew the recovery codes, turn off. An operator sets up only after opening the mailed link."""
    user = cast(User, request.user)  # LoginRequiredMiddleware: never anonymous here
    next_url = _safe_next(request)
    if two_factor.two_factor_device(user) is not None:
        return render(request, "accounts/two_factor.html", _page_context(user))
    if two_factor.enrolment_needs_mailbox(user):
        device = two_factor.enrolling_device(user, request.session.get(ENROLMENT))
        if device is None:
            context = {"next": next_url, "email": user.email, "sent": ENROLMENT_SENT in request.session}
            return render(request, "accounts/two_factor_enrol_wait.html", context)
    else:
        device = two_factor.two_factor_pending_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor.two_factor_enable(
                user=user, token=form.cleaned_data["code"], device_id=device.pk, origin=security_events.origin(request)
            )
        except two_factor.TwoFactorError as error:
            form.add_error("code", str(error))
        else:
            request.session.pop(ENROLMENT, None)
            _keep_this_session(request, user)
            otp_login(request, device)  # this session has just shown the second factor
            messages.success(request, _("Verifica in due passaggi attivata."))
            return _show_new_codes(request, codes, next_url)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_code": two_factor.qr_code_svg(device),
            "secret": two_factor.secret_for_humans(device),
            "next": next_url,
        },
        status=400 if form.errors else 200,
    )


@account_owner_required
@never_cache
def two_factor_enrol(request: HttpRequest, token: str) -> HttpResponse:
    """The set-up link mailed to an operator: a GET shows it (a mail scanner must not use it up),
    its button opens the set-up of the authenticator in this session."""
    next_url = _safe_next(request)
    if request.method != "POST":
        return render(request, "accounts/two_factor_enrol.html", {"next": next_url})
    try:
        device = two_factor.enrolment_device(user=cast(User, request.user), token=token)
    except two_factor.TwoFactorError as error:
        messages.error(request, str(error))
        return redirect(_with_next(reverse("accounts:two_factor"), next_url))
    request.session[ENROLMENT] = device.pk
    return redirect(_with_next(reverse("accounts:two_factor"), next_url))


@account_owner_required
@require_POST
def two_factor_enrol_resend(request: HttpRequest) -> HttpResponse:
    """Another set-up link, at most one a minute."""
    user = cast(User, request.user)
    next_url = _safe_next(request)
    sent = request.session.get(ENROLMENT_SENT, 0)
    if two_factor.two_factor_device(user) is not None or not two_factor.enrolment_needs_mailbox(user):
        return redirect("accounts:two_factor")
    if clock.now().timestamp() - sent < RESEND_AFTER:
        messages.info(request, _("Ti abbiamo scritto da meno di un minuto: controlla la posta, o riprova tra poco."))
    else:
        send_enrolment_link(request, user, next_url)
        messages.success(request, _("Ti abbiamo mandato un nuovo link a %(email)s.") % {"email": user.email})
    return redirect(_with_next(reverse("accounts:two_factor"), next_url))


def send_enrolment_link(request: HttpRequest, user: User, next_url: str) -> None:
    """Mails an operator without an authenticator the link that lets them set one up."""
    link = request.build_absolute_uri(
        _with_next(reverse("accounts:two_factor_enrol", args=[two_factor.enrolment_link_token(user)]), next_url)
    )
    two_factor.enrolment_link_send(user=user, link=link)
    request.session[ENROLMENT_SENT] = clock.now().timestamp()


@account_owner_required
@require_POST
def two_factor_renew(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # LoginRequiredMiddleware: never anonymous here
    form = CodeForm(request.POST, prefix="renew")
    if form.is_valid() and two_factor.two_factor_device(user) is not None:
        try:
            codes = two_factor.two_factor_renew_recovery_codes(
                user=user, token=form.cleaned_data["code"], origin=security_events.origin(request)
            )
        except two_factor.TwoFactorError as error:
            form.add_error("code", str(error))
        else:
            _keep_this_session(request, user)
            messages.success(request, _("Nuovi codici di recupero generati: quelli di prima non valgono più."))
            return _show_new_codes(request, codes, "")
    return _page_with_errors(request, renew_form=form)


@account_owner_required
@require_POST
def two_factor_turn_off(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # LoginRequiredMiddleware: never anonymous here
    form = TurnOffForm(request.POST, prefix="off")
    if form.is_valid():
        try:
            two_factor.two_factor_turn_off(
                user=user,
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
                origin=security_events.origin(request),
            )
        except two_factor.TwoFactorError as error:
            form.add_error(None, str(error))
        else:
            _keep_this_session(request, user)
            messages.success(request, _("Verifica in due passaggi disattivata."))
            return redirect("accounts:two_factor")
    return _page_with_errors(request, off_form=form)


def _keep_this_session(request: HttpRequest, user: User) -> None:
    """A change of the second factor ended every session of the user (two_factor.py): this one
    goes on, under a new key."""
    update_session_auth_hash(request, user)


def _page_context(user: User) -> dict[str, Any]:
    return {
        "renew_form": CodeForm(prefix="renew"),
        "off_form": TurnOffForm(prefix="off"),
        "codes_left": two_factor.recovery_codes_left(user),
    }


def _page_with_errors(request: HttpRequest, **forms: object) -> HttpResponse:
    user = cast(User, request.user)
    if two_factor.two_factor_device(user) is None:
        return redirect("accounts:two_factor")
    return render(request, "accounts/two_factor.html", _page_context(user) | forms, status=400)


# The new recovery codes, shown once


def _show_new_codes(request: HttpRequest, codes: list[str], next_url: str) -> HttpResponse:
    request.session[NEW_CODES] = {"codes": codes, "next": next_url}
    return redirect("accounts:two_factor_codes")


@account_owner_required
@never_cache
def two_factor_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes just made, until the user says they are kept (then never again)."""
    new = request.session.get(NEW_CODES)
    if not new:
        return redirect("accounts:two_factor")
    if request.method == "POST":
        del request.session[NEW_CODES]
        return redirect(new["next"] if _is_safe(request, new["next"]) else "accounts:two_factor")
    return render(request, "accounts/two_factor_codes.html", {"codes": new["codes"]})


@account_owner_required
@never_cache
def two_factor_codes_download(request: HttpRequest) -> HttpResponse:
    new = request.session.get(NEW_CODES)
    if not new:
        return redirect("accounts:two_factor")
    lines = [
        _("Conserva – codici di recupero per %(email)s") % {"email": request.user.get_username()},
        _("Ciascun codice vale una sola volta, al posto del codice dell'app."),
        "",
        *new["codes"],
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="conserva-codici-di-recupero.txt"'
    return response


def _is_safe(request: HttpRequest, url: str) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def _safe_next(request: HttpRequest) -> str:
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    return url if _is_safe(request, url) else ""


def _is_enrolment_link(url: str) -> bool:
    try:
        return resolve(urlsplit(url).path).url_name == "two_factor_enrol"
    except Resolver404:
        return False


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else url

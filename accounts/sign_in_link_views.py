"""The sign-in link's pages: asking for it (offered by the login page while the email's password
checks are paced) and using it (a page with a button: opening a link changes nothing, mail
scanners open them too)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from accounts import security_events, two_factor
from accounts.client import client_key
from accounts.sign_in_link import SignInLinkError, sign_in_link_request, sign_in_link_use, sign_in_link_user
from accounts.two_factor_views import start_second_step

BACKEND = "accounts.backends.AccountBackend"


class SignInLinkForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)


@never_cache
@login_not_required
def sign_in_link_ask(request: HttpRequest) -> HttpResponse:
    """The same answer whatever the email: only its owner's mailbox learns whether it has an account."""
    form = SignInLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sign_in_link_request(email=form.cleaned_data["email"], client=client_key(request))
        return render(
            request,
            "accounts/sign_in_link_sent.html",
            {"email": form.cleaned_data["email"], "minutes": settings.SIGN_IN_LINK_MAX_AGE // 60},
        )
    return render(request, "accounts/sign_in_link.html", {"form": form}, status=400 if form.errors else 200)


@never_cache
@login_not_required
def sign_in_link_open(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the button; its POST passes the password step for the link's user: with two
    factors on, on to the code step as after a right password; else signed in, with this browser
    remembered as the owner's (the device cookie)."""
    try:
        user = sign_in_link_use(token) if request.method == "POST" else sign_in_link_user(token)
    except SignInLinkError as error:
        return render(request, "accounts/sign_in_link_open.html", {"error": str(error)}, status=400)
    if request.method != "POST":
        return render(request, "accounts/sign_in_link_open.html", {"email": user.email})
    next_url = resolve_url(settings.LOGIN_REDIRECT_URL)
    if two_factor.two_factor_device(user) is not None:
        return start_second_step(request, user, BACKEND, next_url, password_step_url=reverse("accounts:login"))
    setattr(request, security_events.SIGN_IN_METHOD, "link")  # the sign-in's entry says how
    login(request, user, backend=BACKEND)
    if user.is_staff:  # operators work only with two factors: the profile's page sets them up
        messages.info(request, _("Per usare il back-office attiva prima la verifica in due passaggi."))
        return redirect("accounts:two_factor")
    return redirect(next_url)

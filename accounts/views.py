from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import security_events, throttle
from accounts.access import account_owner_required, customer_required
from accounts.forms import CustomerForm, SignupForm
from accounts.password_forms import ThrottledPasswordChangeForm, ThrottledPasswordResetForm
from accounts.services import (
    AddressTaken,
    EmailVerificationError,
    WrongSignUpPassword,
    customer_sign_up_request,
    customer_update_details,
    email_verification_resend,
    email_verification_user,
    email_verify,
    pending_sign_up_confirm,
    pending_sign_up_for,
)
from audit.models import AuditEntry

SIGNED_UP_EMAIL = "accounts.signed_up_email"
# The account a confirmed sign-up signs in was just made with the password it chose: no check to pace.
MODEL_BACKEND = "accounts.backends.AccountBackend"


@login_not_required
def signup(request):
    """A valid form always leads to the same "check your mail" page, whether the address had an
    account or not: only its owner's mailbox learns which (accounts.services)."""
    if request.user.is_authenticated:
        return redirect("subscriptions:list")
    account_form = SignupForm(request.POST or None, prefix="account")
    company_form = CustomerForm(request.POST or None, prefix="company", initial={"language": get_language()})
    if request.method == "POST" and account_form.is_valid() and company_form.is_valid():
        customer_sign_up_request(
            email=account_form.cleaned_data["email"],
            password=account_form.cleaned_data["password"],
            company=company_form.cleaned_data,
        )
        request.session[SIGNED_UP_EMAIL] = account_form.cleaned_data["email"]
        return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"account_form": account_form, "company_form": company_form})


@login_not_required
@never_cache  # it shows the address just signed up
def signup_done(request):
    email = request.session.get(SIGNED_UP_EMAIL)
    if not email:
        return redirect("accounts:signup")
    return render(request, "accounts/signup_done.html", {"email": email})


@login_not_required
@never_cache  # it shows the link's address
def signup_confirm(request, token):
    """The link mailed to a new address at sign-up: a page with a button (opening a link changes
    nothing: mail scanners open them too), whose POST makes the account, signs it in and goes on
    to the plans."""
    try:
        pending = pending_sign_up_for(token)
        if request.method == "POST":
            customer = pending_sign_up_confirm(token=token, password=request.POST.get("password", ""))
    except AddressTaken as taken:
        return render(request, "accounts/signup_confirm.html", {"taken": str(taken)})
    except WrongSignUpPassword as wrong:
        context = {"email": pending.email, "name": pending.name, "wrong_password": str(wrong)}
        return render(request, "accounts/signup_confirm.html", context, status=400)
    except EmailVerificationError as error:
        return render(request, "accounts/signup_confirm.html", {"error": str(error)}, status=400)
    if request.method != "POST":
        return render(request, "accounts/signup_confirm.html", {"email": pending.email, "name": pending.name})
    login(request, customer.user, backend=MODEL_BACKEND)
    messages.success(request, _("Account creato e indirizzo confermato: ora puoi acquistare i servizi."))
    return redirect("catalog:plans")


@login_not_required
@never_cache  # it shows the link's address
def email_verify_view(request, token):
    """The link mailed to a new address: a page with a button (opening a link changes nothing:
    mail scanners open them too), whose POST verifies the address."""
    try:
        user = email_verification_user(token)
        if request.method == "POST":
            user = email_verify(token=token)
    except EmailVerificationError as error:
        return render(request, "accounts/email_verify.html", {"error": str(error)}, status=400)
    if request.method != "POST":
        return render(request, "accounts/email_verify.html", {"email": user.email, "verified": user.is_email_verified})
    messages.success(request, _("Indirizzo email confermato: ora puoi acquistare i servizi."))
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect("catalog:plans")
    return redirect(f"{reverse('accounts:login')}?next={reverse('catalog:plans')}")


@account_owner_required
def email_verification(request):
    """Where a signed-in customer whose address is not verified yet asks for the link again."""
    if request.method == "POST":
        if email_verification_resend(user=request.user):
            messages.success(request, _("Ti abbiamo scritto di nuovo a %(email)s.") % {"email": request.user.email})
        elif not request.user.is_email_verified:
            messages.info(
                request,
                _("Ti abbiamo scritto da pochi minuti: controlla anche la posta indesiderata, o riprova più tardi."),
            )
        return redirect("accounts:email_verification")
    return render(request, "accounts/email_verification.html")


@require_POST
def logout_everywhere(request):
    """Signs out here and on every other device where this account is signed in."""
    request.user.end_all_sessions()
    security_events.record(request, request.user, AuditEntry.Action.SIGNED_OUT)
    logout(request)
    messages.info(request, _("Sei uscito dall'area clienti."))
    return redirect("accounts:login")


@customer_required
def profile(request):
    form = CustomerForm(request.POST or None, instance=request.customer)
    if request.method == "POST" and form.is_valid():
        customer_update_details(customer_id=request.customer.pk, details=form.cleaned_data, actor=request.user)
        messages.success(request, _("Dati aziendali aggiornati: valgono dalla prossima fattura."))
        return redirect("accounts:profile")
    events = security_events.recent_security_events(request.user)
    return render(request, "accounts/profile.html", {"form": form, "security_events": events})


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ThrottledPasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        security_events.record(self.request, form.user, AuditEntry.Action.PASSWORD_CHANGED)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        security_events.record(self.request, form.user, AuditEntry.Action.PASSWORD_RESET)
        throttle.forgive_failures(self.request, form.user)  # "recupera la password" unlocks, as the lock-out page says
        return response


password_change = account_owner_required(PasswordChangeView.as_view())
password_change_done = account_owner_required(
    auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")
)
password_reset = login_not_required(
    auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset.html",
        success_url=reverse_lazy("accounts:password_reset_done"),
        form_class=ThrottledPasswordResetForm,
    )
)
password_reset_done = login_not_required(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)
password_reset_confirm = login_not_required(PasswordResetConfirmView.as_view())
password_reset_complete = login_not_required(
    auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html")
)

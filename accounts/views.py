from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import customer_required
from accounts.forms import CustomerForm, EmailAuthenticationForm, SignupForm
from accounts.services import customer_sign_up, customer_update_details


@login_not_required
def signup(request):
    if request.user.is_authenticated:
        return redirect("subscriptions:list")
    account_form = SignupForm(request.POST or None, prefix="account")
    company_form = CustomerForm(request.POST or None, prefix="company", initial={"language": get_language()})
    if request.method == "POST" and account_form.is_valid() and company_form.is_valid():
        try:
            customer = customer_sign_up(
                email=account_form.cleaned_data["email"],
                password=account_form.cleaned_data["password"],
                company=company_form.cleaned_data,
            )
        except IntegrityError:  # the same email signed up a moment ago (a double click)
            account_form.add_error("email", SignupForm.ALREADY_REGISTERED)
            return render(request, "accounts/signup.html", {"account_form": account_form, "company_form": company_form})
        login(request, customer.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Benvenuto in Conserva! Scegli il piano di conservazione."))
        return redirect("catalog:plans")
    return render(request, "accounts/signup.html", {"account_form": account_form, "company_form": company_form})


@require_POST
def logout_everywhere(request):
    """Signs out here and on every other device where this account is signed in."""
    request.user.end_all_sessions()
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
    return render(request, "accounts/profile.html", {"form": form})


login_view = login_not_required(
    auth_views.LoginView.as_view(
        template_name="accounts/login.html",
        authentication_form=EmailAuthenticationForm,
        redirect_authenticated_user=True,
    )
)
password_change = auth_views.PasswordChangeView.as_view(
    template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:password_change_done")
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")
password_reset = login_not_required(
    auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset.html",
        email_template_name="accounts/email/password_reset.txt",
        subject_template_name="accounts/email/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password_reset_done"),
    )
)
password_reset_done = login_not_required(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)
password_reset_confirm = login_not_required(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("accounts:password_reset_complete"),
    )
)
password_reset_complete = login_not_required(
    auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html")
)

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from lib import clock


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        return self.create_user(email, password, is_staff=True, is_superuser=True, **fields)


class User(AbstractUser):
    """A login by email. A customer's user has a Customer; an operator's is staff."""

    # No username nor names: the email is the login, the customer's company its name.
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("email"), unique=True)
    # Raised to end every session of the user at once (logout, password change).
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    # Set when the owner opens the link mailed to the address: buying waits for it (orders.services).
    email_verified_at = models.DateTimeField(_("email verificata il"), null=True, blank=True, editable=False)
    # When the last verification link, and the last "someone signed up with your address", were
    # mailed: another of each waits (accounts.services.ACCOUNT_MAIL_INTERVAL).
    email_verification_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    sign_up_notice_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("utente")
        verbose_name_plural = _("utenti")

    def __str__(self) -> str:
        return self.email

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        key_salt = "conserva.accounts.User.session_auth_hash"
        value = f"{self.password}:{self.session_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    def end_all_sessions(self) -> None:
        User.objects.filter(pk=self.pk).update(session_epoch=models.F("session_epoch") + 1)
        self.refresh_from_db(fields=["session_epoch"])


class SignInPace(models.Model):
    """When the password of an email being guessed may next be checked (accounts/throttle.py).

    One row per email, keyed by a keyed hash of the address (HMAC with SECRET_KEY), never the
    address itself: an unknown email is paced too, and the table must not list who tried what.
    A request claims the next check with one conditional UPDATE, so one request wins each slot."""

    key = models.CharField(max_length=64, primary_key=True)
    next_check_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ritmo di accesso")
        verbose_name_plural = _("ritmi di accesso")

    def __str__(self) -> str:
        return self.key[:12]


class Customer(models.Model):
    """A business, a person or a public administration with its fiscal data, as the next invoice will use them.

    The columns are wider than FatturaPA's limits (name 80, address 60): accounts/forms.py holds
    those limits, so that customers saved before them stay readable and are asked to fix their data.
    """

    class Kind(models.TextChoices):
        BUSINESS = "AZIENDA", _("Azienda o professionista")
        PERSON = "PRIVATO", _("Privato")
        PUBLIC_ADMINISTRATION = "PA", _("Pubblica amministrazione")

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="customer", verbose_name=_("utente"))
    kind = models.CharField(_("tipo di cliente"), max_length=8, choices=Kind, default=Kind.BUSINESS)
    # For a person too: "first last", the name every page and mail uses.
    company_name = models.CharField(_("ragione sociale"), max_length=200)
    first_name = models.CharField(_("nome"), max_length=60, blank=True)
    last_name = models.CharField(_("cognome"), max_length=60, blank=True)
    # Without the country prefix, which is `country`'s.
    vat_number = models.CharField(_("partita IVA"), max_length=28, blank=True)
    tax_code = models.CharField(_("codice fiscale"), max_length=16, blank=True)
    address = models.CharField(_("indirizzo"), max_length=200)
    postcode = models.CharField(_("CAP"), max_length=12)
    city = models.CharField(_("comune"), max_length=100)
    province = models.CharField(_("provincia"), max_length=2, blank=True)
    country = models.CharField(_("nazione"), max_length=2, default="IT")
    # Seven characters; a public administration's office code (codice univoco ufficio) has six.
    sdi_code = models.CharField(_("codice destinatario SDI"), max_length=7, blank=True)
    pec = models.EmailField(_("PEC"), blank=True)
    # A public administration's tender (CIG) and project (CUP) codes, written on its invoices.
    cig = models.CharField(_("CIG"), max_length=10, blank=True)
    cup = models.CharField(_("CUP"), max_length=15, blank=True)
    language = models.CharField(
        _("lingua delle comunicazioni"), max_length=5, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    created_at = models.DateTimeField(_("registrato il"), default=clock.now, editable=False)
    # Advanced by accounts.revisions whenever what the customer's pages show changes: the key of
    # the pages lib.page_cache keeps.
    revision = models.PositiveBigIntegerField(default=0, db_default=0, editable=False)

    class Meta:
        verbose_name = _("cliente")
        verbose_name_plural = _("clienti")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(vat_number="", tax_code=""), name="customer_has_vat_number_or_tax_code"
            ),
            # A person receives in the tax drawer, a foreign customer outside SDI: neither needs one.
            models.CheckConstraint(
                condition=~models.Q(sdi_code="", pec="", country="IT") | models.Q(kind="PRIVATO"),
                name="customer_has_sdi_code_or_pec",
            ),
        ]

    def __str__(self) -> str:
        return self.company_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saving a customer loaded earlier leaves their revision as accounts.revisions advanced it
        since: it is written only when update_fields names it."""
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name for field in self._meta.concrete_fields if not field.primary_key and field.name != "revision"
            ]
        super().save(*args, **kwargs)

    @property
    def is_person(self) -> bool:
        return self.kind == self.Kind.PERSON

    @property
    def is_public_administration(self) -> bool:
        return self.kind == self.Kind.PUBLIC_ADMINISTRATION


class ReferenceRevision(models.Model):
    """One row: advanced by accounts.revisions whenever reference data every customer's pages show
    (plans, space steps, document classes) changes. Read with the signed-in user, it joins each
    customer's own revision in the key of the pages lib.page_cache keeps, so such a change writes
    one row, not every customer's."""

    ROW = 1  # its only row's pk

    number = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("revisione dei dati di riferimento")
        verbose_name_plural = _("revisioni dei dati di riferimento")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="reference_revision_is_one_row")]

    def __str__(self) -> str:
        return str(self.number)


class PendingSignUp(models.Model):
    """A sign-up waiting for its address to be confirmed (accounts.services.customer_sign_up_request):
    no account exists until the mailed link is opened and its button pressed, so that neither the
    sign-up page nor a sign-in afterwards tells a new address from a known one, and nobody holds an
    address they cannot read. One row per address: a later sign-up replaces it. Rows older than
    EMAIL_VERIFICATION_MAX_AGE are deleted at the next sign-up."""

    email = models.EmailField(_("email"), unique=True)
    password = models.CharField(max_length=128)  # make_password's hash, never the password
    company = models.JSONField(default=dict)  # the sign-up's CustomerForm, as its cleaned data
    language = models.CharField(max_length=5, default=settings.LANGUAGE_CODE)
    created_at = models.DateTimeField(default=clock.now)
    # The SHA-256 of the mailed link's random token: empty until the mail is sent, replaced by each new link.
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("registrazione da confermare")
        verbose_name_plural = _("registrazioni da confermare")

    def __str__(self) -> str:
        return self.email

    @property
    def name(self) -> str:
        """The company, or the person, the account would be for."""
        person = " ".join(filter(None, [self.company.get("first_name"), self.company.get("last_name")]))
        return str(self.company.get("company_name") or person or self.email)

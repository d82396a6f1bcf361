"""One settings module for every environment, read from CONSERVA_* environment variables.

With no variables set it runs on SQLite in ./var with a locally generated secret key.
Production sets CONSERVA_PRODUCTION=1 and must then give a secret key, hosts and a database.
"""

import hashlib
import ipaddress
import os
import secrets
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CONSERVA_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def local_secret_key() -> str:
    """A key kept in VAR_DIR for development and tests, so that the repository holds none."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


PRODUCTION = env_bool("CONSERVA_PRODUCTION")
DEBUG = env_bool("CONSERVA_DEBUG") and not PRODUCTION
# bench/pages.py's empty view at /bench/vuota/ (conserva/views.py: bench_empty); never needed otherwise.
BENCH_EMPTY_VIEW = env_bool("CONSERVA_BENCH_EMPTY_VIEW")
if PRODUCTION:
    SECRET_KEY = os.environ.get("CONSERVA_SECRET_KEY", "")  # production_problems() says when it is missing
else:
    SECRET_KEY = os.environ.get("CONSERVA_SECRET_KEY") or local_secret_key()
ALLOWED_HOSTS = env_list("CONSERVA_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CONSERVA_CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("CONSERVA_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "conserva.admin_apps.ConservaAdminConfig",  # django.contrib.admin with the two-factor site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "conserva",
    "axes",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # the API's reference page served from its own static files, no CDN
    # Conserva's apps in their layers, lowest first: each may import only the apps listed before it
    # (pyproject.toml's import-linter contract checks it; lib holds plain helpers below them all).
    "audit",
    "sandbox",
    "accounts",
    "catalog",
    "subscriptions",
    "orders",
    "billing",
    "payments",
    "notifications",
    "archive",
    "lifecycle",
    "support",
    "panel",
    "api",
]

MIDDLEWARE = [
    "conserva.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "api.middleware.RequestSizeLimitMiddleware",  # a too large API request is refused before it is read
    "conserva.middleware.RawUploadNamesMiddleware",  # an upload's name as sent, for the archive to judge
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "conserva.middleware.ItalianFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "conserva.middleware.PrivateResponsesMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "conserva.middleware.LoginRequiredMiddleware",  # the admin's pages send to the admin's login
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "accounts.throttle.DeviceCookieMiddleware",  # the device cookie of a browser that signed in
]

if PRODUCTION:
    # Serves the collected static files; in development runserver and the test server do.
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")  # right after SecurityMiddleware

ROOT_URLCONF = "conserva.urls"
WSGI_APPLICATION = "conserva.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "support.context_processors.contacts",
                "lib.page_cache.per_response",  # after Django's own CSRF token, which it replaces
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'conserva.sqlite3'}"),
        conn_max_age=env_int("CONSERVA_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Waits for a writer instead of failing at once, and takes the write lock at BEGIN.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts and sessions
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "subscriptions:list"
LOGOUT_REDIRECT_URL = "accounts:login"
# How long the link that verifies a new customer's email address stays valid.
EMAIL_VERIFICATION_MAX_AGE = env_int("CONSERVA_EMAIL_VERIFICATION_SECONDS", 3 * 24 * 60 * 60)
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Django's rules, with their messages in Italian first (accounts/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "accounts.passwords.CommonPasswordValidator"},
    {"NAME": "accounts.passwords.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out (email, address)
    "accounts.backends.PacedEmailBackend",  # paces an email's password checks (accounts/throttle.py)
    # Django's ModelBackend with the user's customer in the same query. Sessions started before it
    # named ModelBackend: they end once at the upgrade that brought it, and their users sign in again.
    "accounts.backends.AccountBackend",
]
# The number of reverse proxies in front of Conserva that append the client's address to
# X-Forwarded-For (accounts/client.py); 0: the connection's address is the client's.
TRUSTED_PROXY_COUNT = env_int("CONSERVA_TRUSTED_PROXY_COUNT", 0)
# The nearest proxy's addresses or networks, comma-separated: X-Forwarded-For is read only from a
# connection coming from one of them. Empty: from any connection (the app port must then be
# reachable only through the proxy).
TRUSTED_PROXIES = env_str("CONSERVA_TRUSTED_PROXIES", "")
for _proxy in filter(None, (part.strip() for part in TRUSTED_PROXIES.split(","))):
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"CONSERVA_TRUSTED_PROXIES: {_proxy!r} is not an address or network") from None
AXES_FAILURE_LIMIT = env_int("CONSERVA_LOGIN_FAILURE_LIMIT", 3)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "accounts.client.client_key"  # an IPv6 address by its /64
AXES_USERNAME_CALLABLE = "accounts.throttle.axes_username"  # the email in lower case
AXES_VERBOSE = False
AXES_USERNAME_FORM_FIELD = "username"  # the login form's field, which holds the email
# Failed sign-ins for one email from any address within the cool-off, past which its password is
# checked at most once every LOGIN_SLOWDOWN_SECONDS, except from a browser its owner signed in on.
LOGIN_SLOWDOWN_AFTER = env_int("CONSERVA_LOGIN_SLOWDOWN_AFTER", 10)
LOGIN_SLOWDOWN_SECONDS = env_int("CONSERVA_LOGIN_SLOWDOWN_SECONDS", 60)
PASSWORD_CHANGE_FAILURE_LIMIT = 5  # wrong current passwords within the cool-off
PASSWORD_RESET_MAILS_PER_EMAIL_AND_ADDRESS = 3  # an hour, to one account asked from one client
PASSWORD_RESET_MAILS_PER_EMAIL = 20  # an hour, to one account from anywhere (not the owner's browser)
PASSWORD_RESET_MAILS_PER_ADDRESS = 10  # an hour
SIGN_IN_LINK_MAILS_PER_EMAIL_AND_ADDRESS = 3  # an hour (accounts/sign_in_link.py)
SIGN_IN_LINK_MAX_AGE = 15 * 60  # seconds

SESSION_IDLE_TIMEOUT = env_int("CONSERVA_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env_int("CONSERVA_SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Headers
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("CONSERVA_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("CONSERVA_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^salute/"]  # a load balancer's health checks may come over plain HTTP
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Languages: Italian first, English second
LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italiano")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Rome"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("CONSERVA_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Mail: SMTP when CONSERVA_EMAIL_HOST is set; else files in CONSERVA_EMAIL_FILE_PATH (the demo); else the console
EMAIL_HOST = os.environ.get("CONSERVA_EMAIL_HOST", "")
EMAIL_FILE_PATH = os.environ.get("CONSERVA_EMAIL_FILE_PATH", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("CONSERVA_EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("CONSERVA_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("CONSERVA_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("CONSERVA_EMAIL_TLS", True)
elif EMAIL_FILE_PATH:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("CONSERVA_FROM_EMAIL", "Conserva <noreply@conserva.example>")
SUPPORT_EMAIL = env_str("CONSERVA_SUPPORT_EMAIL", "assistenza@conserva.example")

# Deferred work
TASKS = {"default": {"BACKEND": os.environ.get("CONSERVA_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Logs: JSON lines in production (CONSERVA_LOG_FORMAT=json), plain text elsewhere; each line with
# the request's and the task's id (conserva/logs.py), one line per request from RequestLogMiddleware.
LOG_FORMAT = env_str("CONSERVA_LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"CONSERVA_LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "conserva.logs.ContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s%(task_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("CONSERVA_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # runserver and gunicorn log each request themselves; ours carries the id: theirs is quiet
        "django.server": {"level": "WARNING"},
        "conserva.requests": {"level": env_str("CONSERVA_REQUEST_LOG_LEVEL", "INFO" if PRODUCTION else "WARNING")},
    },
}

# The business: money, terms, the provider's contacts and bank details
CURRENCY = "EUR"
VAT_RATE = Decimal(env_str("CONSERVA_VAT_RATE", "0.22"))
EXPIRY_WARNING_DAYS = 90  # S2, fixed by the specification
SPACE_WARNING_PERCENT = 70  # S6, fixed by the specification
GRACE_PERIOD_DAYS = env_int("CONSERVA_GRACE_PERIOD_DAYS", 30)
# Days a service stays SOSPESO before the admin lists it as due for cessation; only an operator's
# confirmation ceases it (no timer ever does, and no document is ever deleted).
CESSATION_DUE_DAYS = env_int("CONSERVA_CESSATION_DUE_DAYS", 60)
AUTO_RENEWAL_LEAD_DAYS = env_int("CONSERVA_AUTO_RENEWAL_LEAD_DAYS", 30)
# Days before expiry when the customer is mailed a reminder, once each per term (lifecycle).
LIFECYCLE_REMINDER_DAYS = tuple(sorted({int(day) for day in env_list("CONSERVA_REMINDER_DAYS", "90,60,30,7,1")}))
# Days before expiry when a declined automatic renewal charge is tried again, once each (lifecycle).
LIFECYCLE_RETRY_DAYS = tuple(sorted({int(day) for day in env_list("CONSERVA_RETRY_DAYS", "15,7,1")}))
# The daily run (lifecycle): a run still going after this many hours died half-way; the health
# endpoint answers an error when no run finished well within the last LIFECYCLE_HEALTH_MAX_AGE_HOURS.
LIFECYCLE_RUN_CRASHED_AFTER_HOURS = env_int("CONSERVA_RUN_CRASHED_AFTER_HOURS", 6)
LIFECYCLE_HEALTH_MAX_AGE_HOURS = env_int("CONSERVA_HEALTH_MAX_AGE_HOURS", 26)
# /salute/: a ready task waiting longer than this means no worker is taking the queue.
HEALTH_QUEUE_MAX_WAIT_SECONDS = env_int("CONSERVA_HEALTH_QUEUE_MAX_WAIT_SECONDS", 600)
# The least a space increase costs (net of VAT), whatever few days are left in the term.
SPACE_INCREASE_MINIMUM_NET = Decimal(env_str("CONSERVA_SPACE_INCREASE_MINIMUM_NET", "1.00"))
ORDERS_PER_PAGE = env_int("CONSERVA_ORDERS_PER_PAGE", 10)

# lib.page_cache: the customer's pages kept in each process, under their customer's revision.
PAGE_CACHE_SECONDS = env_int("CONSERVA_PAGE_CACHE_SECONDS", 300)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": env_int("CONSERVA_PAGE_CACHE_ENTRIES", 2000)},
    },
}

PROVIDER_NAME = env_str("CONSERVA_PROVIDER_NAME", "Conserva S.r.l.")
CONTACTS = [
    (_("Informazioni commerciali"), env_str("CONSERVA_PHONE_SALES", "+39 0575 05077")),
    (_("Clienti"), env_str("CONSERVA_PHONE_CUSTOMERS", "+39 0575 0504")),
    (_("Partner e CDRL"), env_str("CONSERVA_PHONE_PARTNERS", "+39 0575 0500")),
]
# Monday to Friday; the days are a translated label, the times come from here.
CONTACT_HOURS_OPEN = env_str("CONSERVA_CONTACT_HOURS_OPEN", "08:30")
CONTACT_HOURS_CLOSE = env_str("CONSERVA_CONTACT_HOURS_CLOSE", "18:00")
BANK_BENEFICIARY = env_str("CONSERVA_BANK_BENEFICIARY", PROVIDER_NAME)
# As banks print it, in groups of four, or as typed: kept without spaces, as FatturaPA and camt.053 write it.
BANK_IBAN = "".join(env_str("CONSERVA_BANK_IBAN", "IT60X0542811101000000123456").split()).upper()
BANK_NAME = env_str("CONSERVA_BANK_NAME", "Banca di prova")

# Payments: each provider is a module implementing payments.providers.base.PaymentProvider
# and is named here by its code; CONSERVA_PAYMENT_PROVIDERS adds more ("code=package.module.Class,...").
PAYMENT_PROVIDERS = {"bonifico": "payments.providers.transfer.BankTransferProvider"}
# The sandbox accepts test cards for free: it is never on in production unless asked for.
SANDBOX_PAYMENTS = env_bool("CONSERVA_SANDBOX_PAYMENTS", not PRODUCTION)
if SANDBOX_PAYMENTS:
    PAYMENT_PROVIDERS["sandbox"] = "payments.providers.sandbox.SandboxProvider"
PAYMENT_PROVIDERS |= dict(item.split("=", 1) for item in env_list("CONSERVA_PAYMENT_PROVIDERS"))
# Who takes card payments; empty: customers pay by bank transfer only.
CARD_PAYMENT_PROVIDER = env_str("CONSERVA_CARD_PAYMENT_PROVIDER", "sandbox" if SANDBOX_PAYMENTS else "")
# Signs the sandbox's notifications. Derived from the secret key unless set, so none is in the repository.
SANDBOX_WEBHOOK_SECRET = (
    os.environ.get("CONSERVA_SANDBOX_WEBHOOK_SECRET")
    or hashlib.sha256(f"sandbox-webhook:{SECRET_KEY}".encode()).hexdigest()
)
BANK_STATEMENT_MAX_BYTES = env_int("CONSERVA_BANK_STATEMENT_MAX_BYTES", 10 * 1024 * 1024)
# A refused provider notification keeps at most this much of its body; past this many refusals kept
# in an hour, the next ones are only logged (a flood of forgeries cannot fill the database).
WEBHOOK_REFUSED_BODY_MAX_BYTES = env_int("CONSERVA_WEBHOOK_REFUSED_BODY_MAX_BYTES", 2048)
WEBHOOK_REFUSALS_KEPT_PER_HOUR = env_int("CONSERVA_WEBHOOK_REFUSALS_KEPT_PER_HOUR", 100)

# Invoices: the provider's own fiscal data, as FatturaPA's CedentePrestatore
INVOICE_ISSUER = {
    "name": env_str("CONSERVA_INVOICE_NAME", PROVIDER_NAME),
    "vat_number": env_str("CONSERVA_INVOICE_VAT_NUMBER", "12345670892"),
    "tax_code": env_str("CONSERVA_INVOICE_TAX_CODE", ""),
    "address": env_str("CONSERVA_INVOICE_ADDRESS", "Via della Conservazione 1"),
    "postcode": env_str("CONSERVA_INVOICE_POSTCODE", "52100"),
    "city": env_str("CONSERVA_INVOICE_CITY", "Arezzo"),
    "province": env_str("CONSERVA_INVOICE_PROVINCE", "AR"),
    # RF01: ordinary VAT regime
    "tax_regime": env_str("CONSERVA_INVOICE_TAX_REGIME", "RF01"),
    # The company register (REA): the office's province, the number, the share capital (e.g.
    # 10000.00), SU for a sole shareholder or SM for several, LN not in liquidation or LS in it.
    "rea_office": env_str("CONSERVA_INVOICE_REA_OFFICE", "AR"),
    "rea_number": env_str("CONSERVA_INVOICE_REA_NUMBER", "123456"),
    "share_capital": env_str("CONSERVA_INVOICE_SHARE_CAPITAL", "10000.00"),
    "sole_shareholder": env_str("CONSERVA_INVOICE_SOLE_SHAREHOLDER", ""),
    "liquidation_status": env_str("CONSERVA_INVOICE_LIQUIDATION_STATUS", "LN"),
    # With CONSERVA_VAT_RATE=0, why no VAT is charged: FatturaPA's Natura (e.g. N2.2) and the legal note.
    "zero_vat_natura": env_str("CONSERVA_INVOICE_ZERO_VAT_NATURA", ""),
    "zero_vat_note": env_str("CONSERVA_INVOICE_ZERO_VAT_NOTE", ""),
}
# billing/checks.py refuses at start-up (manage.py check) what could not make a valid FatturaPA.

# The archive: the preservation panel's documents, where their files are kept and what one deposit may hold
ARCHIVE_STORAGE_BACKEND = env_str("CONSERVA_ARCHIVE_STORAGE_BACKEND", "archive.storage.LocalBlobStorage")
ARCHIVE_STORAGE_ROOT = Path(os.environ.get("CONSERVA_ARCHIVE_ROOT", VAR_DIR / "archive"))
# With CONSERVA_ARCHIVE_STORAGE_BACKEND=archive.s3.S3BlobStorage, the bucket that keeps them (archive/s3.py):
# an empty endpoint is AWS itself; empty keys leave boto3 to find its own (environment, instance role).
ARCHIVE_S3_ENDPOINT_URL = env_str("CONSERVA_ARCHIVE_S3_ENDPOINT_URL", "")
ARCHIVE_S3_BUCKET = env_str("CONSERVA_ARCHIVE_S3_BUCKET", "")
ARCHIVE_S3_REGION = env_str("CONSERVA_ARCHIVE_S3_REGION", "")
ARCHIVE_S3_ACCESS_KEY_ID = env_str("CONSERVA_ARCHIVE_S3_ACCESS_KEY_ID", "")
ARCHIVE_S3_SECRET_ACCESS_KEY = env_str("CONSERVA_ARCHIVE_S3_SECRET_ACCESS_KEY", "")
ARCHIVE_S3_PREFIX = env_str("CONSERVA_ARCHIVE_S3_PREFIX", "")
ARCHIVE_FILE_MAX_BYTES = env_int("CONSERVA_ARCHIVE_FILE_MAX_BYTES", 4 * 1024**3)
# Uploads are counted as they arrive and stopped past ARCHIVE_FILE_MAX_BYTES or the service's free
# space (archive/ingest/uploads.py), before Django has written them whole to its temporary folder.
FILE_UPLOAD_HANDLERS = [
    "archive.ingest.uploads.DepositUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
ARCHIVE_PACKAGE_MAX_FILES = env_int("CONSERVA_ARCHIVE_PACKAGE_MAX_FILES", 10_000)
# A ZIP is refused before anything is extracted when it unpacks to more than this, or when one of its
# entries would grow more than ARCHIVE_ZIP_MAX_RATIO times (a ZIP bomb).
ARCHIVE_ZIP_MAX_BYTES = env_int("CONSERVA_ARCHIVE_ZIP_MAX_BYTES", 8 * 1024**3)
ARCHIVE_ZIP_MAX_RATIO = env_int("CONSERVA_ARCHIVE_ZIP_MAX_RATIO", 100)
# A signed file (.p7m) is opened in memory to reach its content: up to this size.
# An optional veraPDF run for a PDF that claims PDF/A, beside our own rule checks (archive/ingest/pdfa.py):
# its command line, e.g. "verapdf --format json"; empty, the default, runs nothing.
ARCHIVE_VERAPDF_COMMAND = env_str("CONSERVA_ARCHIVE_VERAPDF_COMMAND", "")
ARCHIVE_SIGNED_MAX_BYTES = env_int("CONSERVA_ARCHIVE_SIGNED_MAX_BYTES", 64 * 1024**2)
ARCHIVE_SHEET_MAX_BYTES = env_int("CONSERVA_ARCHIVE_SHEET_MAX_BYTES", 10 * 1024**2)
ARCHIVE_DOCUMENTS_PER_PAGE = env_int("CONSERVA_ARCHIVE_DOCUMENTS_PER_PAGE", 20)
# A half-written upload older than this is an orphan that `archive_orphans --delete` removes.
ARCHIVE_STAGING_MAX_AGE_HOURS = env_int("CONSERVA_ARCHIVE_STAGING_MAX_AGE_HOURS", 24)
# The income-tax return's deadline in the year after the fiscal year (month, day): 31 October (art. 2
# DPR 322/1998 as D.Lgs. 108/2024 left it); tax documents are preserved within three months of it
# (archive/deadlines.py says where that comes from).
ARCHIVE_TAX_RETURN_DUE = (10, 31)
ARCHIVE_DEADLINE_WARNING_DAYS = env_int("CONSERVA_ARCHIVE_DEADLINE_WARNING_DAYS", 60)
# The trusted lists (manage.py trust_lists_refresh, archive/trust_lists.py): where the EU's list of trusted
# lists is read (a path or an https URL: https://ec.europa.eu/tools/lotl/eu-lotl.xml), a PEM file of the
# certificates that may sign it (as the Official Journal of the EU publishes them), and the territories whose
# national lists are followed (empty: all). Without the first two, the lists are not configured.
ARCHIVE_TRUST_LOTL_URL = env_str("CONSERVA_ARCHIVE_TRUST_LOTL_URL", "")
ARCHIVE_TRUST_LOTL_CERTIFICATES = env_str("CONSERVA_ARCHIVE_TRUST_LOTL_CERTIFICATES", "")
ARCHIVE_TRUST_TERRITORIES = env_list("CONSERVA_ARCHIVE_TRUST_TERRITORIES", "IT")

# The API (api/): keys are kept as an HMAC under this secret, derived from the secret key unless set.
API_KEY_HASH_SECRET = (
    os.environ.get("CONSERVA_API_KEY_HASH_SECRET") or hashlib.sha256(f"api-keys:{SECRET_KEY}".encode()).hexdigest()
)
# Requests one key may make in a window, counted in the database (so across processes).
API_RATE_LIMIT = env_int("CONSERVA_API_RATE_LIMIT", 120)
API_RATE_LIMIT_WINDOW_SECONDS = env_int("CONSERVA_API_RATE_LIMIT_WINDOW_SECONDS", 60)
# A request body larger than this is refused with 413 before it is read.
API_REQUEST_MAX_BYTES = env_int("CONSERVA_API_REQUEST_MAX_BYTES", 512 * 1024**2)
API_PAGE_SIZE = env_int("CONSERVA_API_PAGE_SIZE", 50)
# A request under an Idempotency-Key that has not answered after this long died: a retry runs it again.
API_IDEMPOTENCY_STALE_SECONDS = env_int("CONSERVA_API_IDEMPOTENCY_STALE_SECONDS", 3600)
# How long a first answer is replayed to retries under its Idempotency-Key (then the key is free again).
API_IDEMPOTENCY_KEEP_HOURS = env_int("CONSERVA_API_IDEMPOTENCY_KEEP_HOURS", 72)
# Webhook calls: tries before giving up (30 s after the first failure, doubling up to 6 hours), and
# whether an address of our own network may be called (never in production: SSRF).
API_WEBHOOK_ATTEMPTS = env_int("CONSERVA_API_WEBHOOK_ATTEMPTS", 12)
API_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("CONSERVA_API_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", DEBUG)

# make serve (conserva/management/commands/serve.py): the production server's processes
SERVE_BIND = env_str("CONSERVA_BIND", "127.0.0.1:8000")
SERVE_WEB_WORKERS = env_int("CONSERVA_WEB_WORKERS", 2)
SERVE_WEB_THREADS = env_int("CONSERVA_WEB_THREADS", 4)
SERVE_FORWARDED_ALLOW_IPS = env_str("CONSERVA_FORWARDED_ALLOW_IPS", "127.0.0.1")
SERVE_DAILY_RUN_EVERY_SECONDS = env_int("CONSERVA_DAILY_RUN_EVERY_SECONDS", 3600)


def production_problems() -> list[str]:
    """What production refuses to start without, all said at once (deploy/conserva.env.example)."""
    problems = []
    if not ALLOWED_HOSTS:
        problems.append("CONSERVA_ALLOWED_HOSTS: the host names the site answers to, comma-separated.")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        problems.append(
            "CONSERVA_SECRET_KEY: at least 50 random characters "
            "(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    if not SITE_URL.startswith("https://"):
        problems.append("CONSERVA_SITE_URL: the site's public https:// address, as mails link to it.")
    if not EMAIL_HOST:
        problems.append("CONSERVA_EMAIL_HOST: the SMTP server the mails leave through (without it they are lost).")
    if "DATABASE_URL" not in os.environ:
        problems.append("DATABASE_URL: the database (postgres://user:password@host:5432/name).")
    if SERVE_WEB_WORKERS < 1 or SERVE_WEB_THREADS < 1:
        problems.append("CONSERVA_WEB_WORKERS and CONSERVA_WEB_THREADS: at least 1.")
    return problems


if PRODUCTION and (_problems := production_problems()):
    raise ImproperlyConfigured("Conserva cannot start in production:\n- " + "\n- ".join(_problems))

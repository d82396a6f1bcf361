"""The operators' roles as groups: give an operator (a staff user) one in the admin, under Utenti.

Assistenza answers customers: their data and requests, orders and services read-only.
Contabilità keeps the books: payments, bank statements, transfers, refunds, invoices; it reads
customers, orders and services and changes no plan and no operator.
Amministrazione holds every permission, operators and roles included, but those of django-otp's
devices (OTP_APPS): an operator never reads or plants another's second factor.

The group names are their identifiers: tests and the README name them, so rename none. The lists
are frozen here as a migration must be; a later model's permissions reach Amministrazione after
each migrate (conserva/apps.py; tests/test_operator_roles.py checks that it holds every one).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPPORT = "Assistenza"
ACCOUNTING = "Contabilità"
ADMINISTRATION = "Amministrazione"
OTP_APPS = ["otp_totp", "otp_static"]  # no role holds these (conserva/apps.py keeps them out)

READ_ONLY_BASICS = [
    "accounts.view_customer",
    "catalog.view_plan",
    "catalog.view_spacestep",
    "subscriptions.view_service",
    "orders.view_order",
    "payments.view_payment",
    "audit.view_auditentry",
    "notifications.view_mailfailure",  # a mail a task could not send, to send another way
]

ROLES = {
    SUPPORT: [
        *READ_ONLY_BASICS,
        "accounts.change_customer",
        "support.view_assistancerequest",
        "support.change_assistancerequest",
        "support.view_guidefeedback",
    ],
    ACCOUNTING: [
        *READ_ONLY_BASICS,
        "orders.change_order",  # every field is read-only: it cancels an order waiting for payment
        "payments.register_transfer",
        "payments.view_bankstatement",
        "payments.view_bankentry",
        "payments.import_statement",
        "payments.view_statementimport",
        "payments.view_paymentissue",
        "payments.resolve_payment_issue",
        "payments.view_webhookevent",
        "payments.view_refusedwebhook",
        "payments.view_savedcard",
        "billing.view_invoice",
        "billing.view_invoiceline",
        "billing.issue_credit_note",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrating (post_migrate): a new database has none yet.
    using = schema_editor.connection.alias
    for app_config in apps.get_app_configs():
        app_config.models_module = True  # the historical apps have no models module; create_permissions asks
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions in ROLES.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.add(*(_permission(Permission, using, permission) for permission in permissions))
    administration, _ = Group.objects.using(using).get_or_create(name=ADMINISTRATION)
    administration.permissions.add(*Permission.objects.using(using).exclude(content_type__app_label__in=OTP_APPS))


def _permission(Permission, using, dotted):
    app_label, codename = dotted.split(".")
    return Permission.objects.using(using).get(content_type__app_label=app_label, codename=codename)


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=[SUPPORT, ACCOUNTING, ADMINISTRATION]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("sessions", "0001_initial"),
        ("axes", "0010_accessattemptexpiration"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
        ("audit", "0006_security_actions"),
        ("sandbox", "0003_checkout_canceled"),
        ("accounts", "0004_email_verification"),
        ("catalog", "0001_initial"),
        ("subscriptions", "0003_operator_permissions"),
        ("orders", "0007_order_idempotency_key"),
        ("billing", "0005_operator_permissions"),
        ("payments", "0008_operator_permissions"),
        ("archive", "0004_subject_matter_trigram"),
        ("notifications", "0001_mail_failures"),
        ("lifecycle", "0001_daily_runs"),
        ("support", "0001_initial"),
        ("panel", "0001_panel_tickets_and_accounts"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]

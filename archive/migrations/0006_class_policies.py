"""The classes' policies for what deposit checks: the invoice classes want a FatturaPA valid against
its schema, and a PDF of a tax or contract class should be PDF/A (a warning, never a refusal:
AgID's Allegato 2 recommends PDF/A, it does not require it)."""

from django.db import migrations

INVOICE_CLASSES = ["fattura-attiva", "fattura-passiva"]
PDFA_WANTED = ["fattura-attiva", "fattura-passiva", "registro-iva", "libro-giornale", "contratto"]


def configure(apps, schema_editor):
    DocumentClass = apps.get_model("archive", "DocumentClass")
    DocumentClass.objects.filter(code__in=INVOICE_CLASSES).update(electronic_invoices=True)
    DocumentClass.objects.filter(code__in=PDFA_WANTED).update(pdfa="CONSIGLIATO")


class Migration(migrations.Migration):
    dependencies = [("archive", "0005_ingest_findings")]

    operations = [migrations.RunPython(configure, migrations.RunPython.noop)]

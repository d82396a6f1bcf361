"""The document classes a business needs from day one; operators add more in the admin.

Required metadata after AgID's Linee Guida 2021, Allegato 5 (identifier, date, subjects with their
role and VAT number or tax code, subject matter); formats after Allegato 2. A FatturaPA gives its
number, date and parties by itself, so an invoice in XML or .xml.p7m needs nothing typed.
"""

from django.db import migrations

INVOICE = ["identificativo", "data", "soggetti"]
BOOK = ["identificativo", "data", "soggetti", "anno_fiscale"]
EVERY_FORMAT = ["PDF", "XML", "P7M", "TXT", "TIFF", "JPEG", "PNG", "ODT", "ODS", "DOCX", "XLSX", "EML"]
CLASSES = [
    # code, name, required metadata, allowed formats, tax relevant
    ("fattura-attiva", "Fattura attiva", INVOICE, ["XML", "P7M", "PDF"], True),
    ("fattura-passiva", "Fattura passiva", INVOICE, ["XML", "P7M", "PDF"], True),
    ("registro-iva", "Registro IVA", BOOK, ["PDF", "XML", "P7M", "TXT"], True),
    ("libro-giornale", "Libro giornale", BOOK, ["PDF", "XML", "P7M", "TXT"], True),
    ("contratto", "Contratto", ["identificativo", "data", "soggetti", "oggetto"], ["PDF", "P7M", "XML", "TIFF", "JPEG", "PNG", "ODT", "DOCX"], False),
    ("documento-generico", "Documento generico", ["data", "oggetto"], EVERY_FORMAT, False),
]


def create(apps, schema_editor):
    DocumentClass = apps.get_model("archive", "DocumentClass")
    for position, (code, name, required, formats, tax_relevant) in enumerate(CLASSES, start=1):
        DocumentClass.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "required_metadata": required,
                "allowed_formats": formats,
                "retention_years": 10,
                "tax_relevant": tax_relevant,
                "position": position,
            },
        )


def remove(apps, schema_editor):
    DocumentClass = apps.get_model("archive", "DocumentClass")
    DocumentClass.objects.filter(code__in=[code for code, *_rest in CLASSES], documents=None).delete()


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]

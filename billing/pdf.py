"""The invoice for people: a courtesy copy with the same figures as the FatturaPA XML.

Printed in DejaVu Sans, shipped in billing/fonts (see its README): the customer's name as typed,
"Łódź" included, where the XML can only carry Latin-1.
"""

import io
from decimal import Decimal
from functools import cache
from html import escape  # reportlab paragraphs take markup: our text must not be read as tags
from pathlib import Path

from django.conf import settings
from django.utils import translation
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from billing.services import corrected_invoice_text, vat_summaries

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR, BOLD, ITALIC = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"


@cache
def _styles() -> StyleSheet1:
    for name in (REGULAR, BOLD, ITALIC):
        pdfmetrics.registerFont(TTFont(name, str(FONTS / f"{name}.ttf")))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD)
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        if isinstance(style, ParagraphStyle):
            style.fontName = BOLD if style.name.startswith(("Heading", "Title")) else REGULAR
    styles["Normal"].fontSize = 9
    styles["Italic"].fontName = ITALIC
    return styles


def euro(value) -> str:
    text = f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"€ {text}"


def percent(rate) -> str:
    return f"{rate * 100:.2f}".replace(".", ",") + "%"


def _party(title: str, lines: list[str], styles) -> list:
    return [Paragraph(f"<b>{escape(title)}</b>", styles["Normal"])] + [
        Paragraph(escape(line), styles["Normal"]) for line in lines if line
    ]


def render(invoice) -> bytes:
    with translation.override("it"):
        return _render(invoice)


def _render(invoice) -> bytes:
    styles = _styles()
    buffer = io.BytesIO()
    title = "Nota di credito" if invoice.is_credit_note else "Fattura"
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{title} {invoice.number}",
        author=settings.INVOICE_ISSUER["name"],
    )
    parties = [_party(*_supplier(), styles), _party(*_customer(invoice), styles)]
    story = [
        Table([parties], colWidths=[87 * mm, 87 * mm], style=[("VALIGN", (0, 0), (-1, -1), "TOP")]),
        Spacer(1, 8 * mm),
        Paragraph(f"{title} n. {escape(invoice.number)} del {invoice.issued_on:%d/%m/%Y}", styles["Heading2"]),
        Paragraph(f"Ordine {escape(invoice.order.number)}", styles["Normal"]),
    ]
    if invoice.corrects_id:
        story.append(Paragraph(escape(corrected_invoice_text(invoice.corrects)), styles["Normal"]))
        if invoice.reason and invoice.reason != corrected_invoice_text(invoice.corrects):
            story.append(Paragraph(f"Causale: {escape(invoice.reason)}", styles["Normal"]))
    story.append(Spacer(1, 5 * mm))
    lines = list(invoice.lines.all())
    story += _lines_and_totals(invoice, lines, styles)
    story += _notes(invoice, styles)
    document.build(story)
    return buffer.getvalue()


def _supplier() -> tuple[str, list[str]]:
    issuer = settings.INVOICE_ISSUER
    registration = []
    if issuer["rea_office"]:
        registration.append(f"REA {issuer['rea_office']}-{issuer['rea_number']}")
        if issuer["share_capital"]:
            registration.append(f"Capitale sociale {euro(Decimal(issuer['share_capital']))}")
        registration += {"SU": ["Socio unico"], "SM": []}.get(issuer["sole_shareholder"], [])
        if issuer["liquidation_status"] == "LS":
            registration.append("In liquidazione")
    return issuer["name"], [
        issuer["address"],
        f"{issuer['postcode']} {issuer['city']} ({issuer['province']})",
        f"Partita IVA IT{issuer['vat_number']}",
        f"Codice fiscale {issuer['tax_code']}" if issuer["tax_code"] else "",
        " · ".join(registration),
    ]


def _customer(invoice) -> tuple[str, list[str]]:
    abroad = invoice.customer_country != "IT"
    place = f"{invoice.customer_postcode} {invoice.customer_city}"
    place += f" ({invoice.customer_country})" if abroad else f" ({invoice.customer_province})"
    vat_prefix = invoice.customer_country
    office = invoice.customer_is_public_administration
    return "Cliente: " + invoice.customer_name, [
        invoice.customer_address,
        place,
        f"Partita IVA {vat_prefix}{invoice.customer_vat_number}" if invoice.customer_vat_number else "",
        f"Codice fiscale {invoice.customer_tax_code}" if invoice.customer_tax_code and not abroad else "",
        f"Codice univoco ufficio {invoice.customer_sdi_code}" if office else "",
        f"Codice destinatario {invoice.customer_sdi_code}" if invoice.customer_sdi_code and not office else "",
        f"PEC {invoice.customer_pec}" if invoice.customer_pec and not invoice.customer_sdi_code else "",
        f"CIG {invoice.customer_cig}" if invoice.customer_cig else "",
        f"CUP {invoice.customer_cup}" if invoice.customer_cup else "",
    ]


def _lines_and_totals(invoice, lines, styles) -> list:
    rows = [["Descrizione", "Quantità", "Prezzo unitario", "Imponibile", "IVA"]]
    rows += [
        [
            [Paragraph(escape(line.description), styles["Normal"]), *_period(line, styles)],
            f"{line.quantity:.2f}".replace(".", ","),
            euro(line.unit_price),
            euro(line.net),
            line.natura or percent(line.vat_rate),
        ]
        for line in lines
    ]
    recap = [["Aliquota IVA", "Imponibile", "Imposta"]]
    recap += [[s.natura or percent(s.rate), euro(s.taxable), euro(s.tax)] for s in vat_summaries(lines)]
    totals = [
        ["Totale imponibile", euro(invoice.net)],
        ["Totale IVA", euro(invoice.vat)],
        ["Totale documento", euro(invoice.total)],
    ]
    if invoice.split_payment:
        totals.append(["Netto a pagare", euro(invoice.amount_due)])
    return [
        _table(rows, [78 * mm, 20 * mm, 28 * mm, 28 * mm, 20 * mm]),
        Spacer(1, 5 * mm),
        _table(recap, [40 * mm, 40 * mm, 40 * mm]),
        Spacer(1, 4 * mm),
        Table(
            totals,
            colWidths=[50 * mm, 40 * mm],
            hAlign="RIGHT",
            style=[
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("FONTNAME", (0, 2), (-1, 2), BOLD),
            ],
        ),
        Spacer(1, 6 * mm),
    ]


def _period(line, styles) -> list:
    if not (line.period_start and line.period_end):
        return []
    text = f"Periodo dal {line.period_start:%d/%m/%Y} al {line.period_end:%d/%m/%Y}"
    return [Paragraph(text, styles["Normal"])]


def _notes(invoice, styles) -> list:
    notes = [f"Pagamento: {invoice.get_payment_means_display()}"]
    if invoice.vat_note:
        notes.append(invoice.vat_note)
    if invoice.split_payment:
        notes.append("L'IVA è versata all'Erario dall'ente committente.")
    if invoice.stamp_duty:
        notes.append(
            f"Imposta di bollo di {euro(invoice.stamp_duty)} assolta in modo virtuale (DM 17 giugno 2014, art. 6)."
        )
    story = [Paragraph(escape(note), styles["Normal"]) for note in notes]
    story += [
        Spacer(1, 6 * mm),
        Paragraph(
            "Copia di cortesia. L'originale è la fattura elettronica trasmessa al Sistema di Interscambio "
            "e disponibile nell'area riservata del sito dell'Agenzia delle Entrate.",
            styles["Italic"],
        ),
    ]
    return story


def _table(rows, widths) -> Table:
    return Table(
        rows,
        colWidths=widths,
        repeatRows=1,
        style=TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("FONTNAME", (0, 0), (-1, 0), BOLD),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        ),
    )

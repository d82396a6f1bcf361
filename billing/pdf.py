"""The invoice for people: a courtesy copy with the same figures as the FatturaPA XML."""

import io
from html import escape  # reportlab paragraphs take markup: our text must not be read as tags

from django.conf import settings
from django.utils import translation
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from billing.services import vat_summaries


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
    issuer = settings.INVOICE_ISSUER
    styles = getSampleStyleSheet()
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
        author=issuer["name"],
    )
    supplier = _party(
        issuer["name"],
        [
            issuer["address"],
            f"{issuer['postcode']} {issuer['city']} ({issuer['province']})",
            f"Partita IVA IT{issuer['vat_number']}",
        ],
        styles,
    )
    customer = _party(
        "Cliente: " + invoice.customer_name,
        [
            invoice.customer_address,
            f"{invoice.customer_postcode} {invoice.customer_city} ({invoice.customer_province})",
            f"Partita IVA IT{invoice.customer_vat_number}" if invoice.customer_vat_number else "",
            f"Codice fiscale {invoice.customer_tax_code}" if invoice.customer_tax_code else "",
            f"Codice destinatario {invoice.customer_sdi_code}" if invoice.customer_sdi_code else "",
            f"PEC {invoice.customer_pec}" if invoice.customer_pec and not invoice.customer_sdi_code else "",
        ],
        styles,
    )
    story = [
        Table([[supplier, customer]], colWidths=[87 * mm, 87 * mm], style=[("VALIGN", (0, 0), (-1, -1), "TOP")]),
        Spacer(1, 8 * mm),
        Paragraph(f"{title} n. {escape(invoice.number)} del {invoice.issued_on:%d/%m/%Y}", styles["Heading2"]),
        Paragraph(f"Ordine {escape(invoice.order.number)}", styles["Normal"]),
    ]
    if invoice.corrects_id:
        story.append(Paragraph(escape(invoice.reason), styles["Normal"]))
    story.append(Spacer(1, 5 * mm))

    lines = list(invoice.lines.all())
    rows = [["Descrizione", "Quantità", "Prezzo unitario", "Imponibile", "IVA"]]
    rows += [
        [
            Paragraph(escape(line.description), styles["Normal"]),
            f"{line.quantity:.2f}".replace(".", ","),
            euro(line.unit_price),
            euro(line.net),
            percent(line.vat_rate),
        ]
        for line in lines
    ]
    story.append(_table(rows, [78 * mm, 20 * mm, 28 * mm, 28 * mm, 20 * mm]))
    story.append(Spacer(1, 5 * mm))

    recap = [["Aliquota IVA", "Imponibile", "Imposta"]]
    recap += [[percent(s.rate), euro(s.taxable), euro(s.tax)] for s in vat_summaries(lines)]
    story.append(_table(recap, [40 * mm, 40 * mm, 40 * mm]))
    story.append(Spacer(1, 4 * mm))
    totals = [
        ["Totale imponibile", euro(invoice.net)],
        ["Totale IVA", euro(invoice.vat)],
        ["Totale documento", euro(invoice.total)],
    ]
    story.append(
        Table(
            totals,
            colWidths=[50 * mm, 40 * mm],
            hAlign="RIGHT",
            style=[("ALIGN", (1, 0), (1, -1), "RIGHT"), ("FONTNAME", (0, 2), (-1, 2), "Helvetica-Bold")],
        )
    )
    story.append(Spacer(1, 6 * mm))
    story.append(Paragraph(f"Pagamento: {escape(invoice.get_payment_means_display())}", styles["Normal"]))
    story.append(Spacer(1, 6 * mm))
    story.append(
        Paragraph(
            "Copia di cortesia. L'originale è la fattura elettronica trasmessa al Sistema di Interscambio "
            "e disponibile nell'area riservata del sito dell'Agenzia delle Entrate.",
            styles["Italic"],
        )
    )
    document.build(story)
    return buffer.getvalue()


def _table(rows, widths) -> Table:
    return Table(
        rows,
        colWidths=widths,
        repeatRows=1,
        style=TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        ),
    )

"""Reads an ISO 20022 camt.053 bank statement (any version: .001.02 to .001.13) into plain entries.

The XML comes from outside: entities, DTDs and the network are off, and a DOCTYPE is refused.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from lxml import etree

from payments.errors import PaymentError

NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:camt.053."


class StatementError(PaymentError):
    """The file is not a statement we can read; the message says why, in the operator's language."""


@dataclass(frozen=True)
class Credit:
    entry_ref: str
    booked_on: date
    amount: Decimal
    currency: str
    debtor: str
    remittance: str


@dataclass(frozen=True)
class Statement:
    message_id: str
    statement_id: str
    iban: str
    credits: list[Credit]
    skipped: int  # debits and entries not yet booked


def _local(element) -> str:
    return etree.QName(element).localname


def _children(element, name: str) -> list:
    return [child for child in element if isinstance(child.tag, str) and _local(child) == name]


def _find(element, path: str):
    """The first element along a path of local names ("Acct/Id/IBAN"), ignoring the namespace version."""
    current = [element]
    for name in path.split("/"):
        current = [child for parent in current for child in _children(parent, name)]
        if not current:
            return None
    return current[0]


def _text(element, path: str) -> str:
    found = _find(element, path)
    return (found.text or "").strip() if found is not None else ""


def parse(data: bytes) -> Statement:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise StatementError(_("Il file non è un XML leggibile: %(error)s") % {"error": error}) from None
    if root.getroottree().docinfo.doctype:
        raise StatementError(_("Il file contiene una dichiarazione DOCTYPE: per sicurezza non lo leggiamo."))
    if not etree.QName(root).namespace or not etree.QName(root).namespace.startswith(NAMESPACE_PREFIX):
        raise StatementError(_("Il file non è un estratto conto camt.053 (ISO 20022)."))
    report = _find(root, "BkToCstmrStmt")
    if report is None:
        raise StatementError(_("Il file non è un estratto conto camt.053 (ISO 20022)."))
    credits, skipped = [], 0
    statements = _children(report, "Stmt")
    if not statements:
        raise StatementError(_("L'estratto conto non contiene movimenti."))
    for statement in statements:
        for entry in _children(statement, "Ntry"):
            if _text(entry, "CdtDbtInd") != "CRDT" or _status(entry) != "BOOK":
                skipped += 1
                continue
            credits.extend(_credits(entry))
    first = statements[0]
    return Statement(
        message_id=_text(report, "GrpHdr/MsgId"),
        statement_id=_text(first, "Id"),
        iban=_text(first, "Acct/Id/IBAN"),
        credits=credits,
        skipped=skipped,
    )


def _status(entry) -> str:
    return _text(entry, "Sts/Cd") or _text(entry, "Sts")


def _amount(element, path: str) -> tuple[Decimal, str]:
    found = _find(element, path)
    if found is None:
        raise StatementError(_("Un movimento non ha l'importo."))
    try:
        return Decimal((found.text or "").strip()), found.get("Ccy", "")
    except InvalidOperation:
        raise StatementError(_("Importo non valido: %(value)s") % {"value": found.text}) from None


def _booked_on(entry) -> date:
    value = _text(entry, "BookgDt/Dt") or _text(entry, "BookgDt/DtTm")[:10]
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise StatementError(_("Data contabile non valida: %(value)s") % {"value": value}) from None


def _remittance(details) -> str:
    info = _find(details, "RmtInf")
    if info is None:
        return ""
    parts = [(child.text or "").strip() for child in _children(info, "Ustrd")]
    for structured in _children(info, "Strd"):
        parts.append(_text(structured, "CdtrRefInf/Ref"))
    return " ".join(part for part in parts if part)


def _debtor(details) -> str:
    return _text(details, "RltdPties/Dbtr/Nm") or _text(details, "RltdPties/Dbtr/Pty/Nm")


def _credits(entry) -> list[Credit]:
    """One credit per entry; a batch entry with several transactions gives one per transaction."""
    entry_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    booked_on = _booked_on(entry)
    transactions = [tx for details in _children(entry, "NtryDtls") for tx in _children(details, "TxDtls")]
    if len(transactions) <= 1:
        details = transactions[0] if transactions else entry
        entry_ref = entry_ref or _text(details, "Refs/AcctSvcrRef")
        if not entry_ref:
            raise StatementError(_("Un movimento non ha il riferimento della banca (AcctSvcrRef)."))
        amount, currency = _amount(entry, "Amt")
        return [Credit(entry_ref, booked_on, amount, currency, _debtor(details), _remittance(details))]
    credits = []
    for index, details in enumerate(transactions, start=1):
        ref = _text(details, "Refs/AcctSvcrRef") or (f"{entry_ref}/{index}" if entry_ref else "")
        if not ref:
            raise StatementError(_("Un movimento non ha il riferimento della banca (AcctSvcrRef)."))
        path = "AmtDtls/TxAmt/Amt" if _find(details, "AmtDtls/TxAmt/Amt") is not None else "Amt"
        amount, currency = _amount(details, path)
        credits.append(Credit(ref, booked_on, amount, currency, _debtor(details), _remittance(details)))
    return credits

"""Reads a bank's ISO 20022 camt.053 statement into plain credits.

Read: the ISO camt.053 versions .001.02 to .001.13, and the Italian banks' CBI variant (the same
statement in CBI's own namespace, urn:CBI:xsd:…, and envelope). The XML comes from outside:
entities, DTDs and the network are off, and a DOCTYPE is refused.

Every credit carries the key it is registered under, unique on the account: the bank's own
reference for the transaction (TxDtls/Refs/AcctSvcrRef, else the entry's AcctSvcrRef), or, when
the bank gives neither, a hash of the statement's identity and the entry's own fields. NtryRef is
never a key: banks number it 1…n inside each statement.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from lxml import etree

from payments.errors import PaymentError

ISO_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053."
CBI_NAMESPACE = "urn:CBI:xsd:"
# The largest amount every money column holds (10 digits, 2 of them decimals).
LARGEST_AMOUNT = Decimal("99999999.99")
FORMATS_READ = "camt.053 ISO 20022 (001.02–001.13), CBI camt.053"


class StatementError(PaymentError):
    """The file is not a statement we can read; the message says why, in the operator's language."""


@dataclass(frozen=True)
class Credit:
    reference: str  # unique on the account (see the module's docstring)
    booked_on: date
    amount: Decimal  # negative for a reversal of money we had received
    currency: str
    debtor: str
    remittance: str
    reversal: bool = False


@dataclass(frozen=True)
class Statement:
    message_id: str
    statement_ids: list[str]
    accounts: list[str]  # the IBAN each statement in the file names ("" when it names none)
    credits: list[Credit]
    skipped: int  # debits and entries not yet booked

    @property
    def statement_id(self) -> str:
        return ", ".join(self.statement_ids)


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
    report = _report(_root(data))
    statements = _children(report, "Stmt")
    if not statements:
        raise StatementError(_("L'estratto conto non contiene movimenti."))
    credits, skipped = [], 0
    for statement in statements:
        statement_credits, statement_skipped = _statement_credits(statement)
        credits.extend(statement_credits)
        skipped += statement_skipped
    return Statement(
        message_id=_text(report, "GrpHdr/MsgId"),
        statement_ids=[_text(statement, "Id") for statement in statements],
        accounts=[_text(statement, "Acct/Id/IBAN").replace(" ", "").upper() for statement in statements],
        credits=credits,
        skipped=skipped,
    )


def _root(data: bytes):
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise StatementError(_("Il file non è un XML leggibile: %(error)s") % {"error": error}) from None
    if root.getroottree().docinfo.doctype:
        raise StatementError(_("Il file contiene una dichiarazione DOCTYPE: per sicurezza non lo leggiamo."))
    return root


def _report(root):
    """The element holding the statements: BkToCstmrStmt in ISO's Document, or CBI's own message
    (whatever its envelope), recognised by its namespace and by holding Stmt elements."""
    namespace = etree.QName(root).namespace or ""
    if namespace.startswith(ISO_NAMESPACE):
        report = _find(root, "BkToCstmrStmt")
    elif namespace.startswith(CBI_NAMESPACE):
        report = next((element.getparent() for element in root.iter() if _is(element, "Stmt")), None)
    else:
        report = None
    if report is None:
        raise StatementError(
            _("Il file non è un estratto conto camt.053. Leggiamo: %(formats)s.") % {"formats": FORMATS_READ}
        )
    return report


def _is(element, name: str) -> bool:
    return isinstance(element.tag, str) and _local(element) == name


def _statement_credits(statement) -> tuple[list[Credit], int]:
    credits, skipped = [], 0
    seen: Counter[str] = Counter()  # identical entries without a bank reference, told apart by their order
    for entry in _children(statement, "Ntry"):
        reversal = _text(entry, "RvslInd").lower() in ("true", "1")
        if _status(entry) != "BOOK" or (_text(entry, "CdtDbtInd") != "CRDT" and not reversal):
            skipped += 1
            continue
        credits.extend(_entry_credits(statement, entry, reversal, seen))
    return credits, skipped


def _status(entry) -> str:
    return _text(entry, "Sts/Cd") or _text(entry, "Sts")


def _entry_credits(statement, entry, reversal: bool, seen: Counter[str]) -> list[Credit]:
    """One credit per transaction: a batch entry with several TxDtls is several credits."""
    booked_on = _booked_on(entry)
    transactions = [tx for details in _children(entry, "NtryDtls") for tx in _children(details, "TxDtls")]
    entry_ref = _text(entry, "AcctSvcrRef")
    sign = Decimal(-1) if _text(entry, "CdtDbtInd") == "DBIT" else Decimal(1)
    if len(transactions) <= 1:
        details = transactions[0] if transactions else entry
        bank_refs = [_text(details, "Refs/AcctSvcrRef") or entry_ref]
        amounts = [_amount(entry, "Amt", bank_refs[0] or _text(entry, "NtryRef"))]
    else:
        bank_refs = [_text(details, "Refs/AcctSvcrRef") or entry_ref for details in transactions]
        amounts = [
            _transaction_amount(details, ref or _text(entry, "NtryRef"))
            for details, ref in zip(transactions, bank_refs, strict=True)
        ]
    credits = []
    repeated = {ref for ref, count in Counter(bank_refs).items() if count > 1}
    for position, (details, bank_ref, (amount, currency)) in enumerate(
        zip(transactions or [entry], bank_refs, amounts, strict=True), start=1
    ):
        amount *= sign
        debtor, remittance = _debtor(details), _remittance(details) or _text(entry, "AddtlNtryInf")
        if bank_ref and bank_ref in repeated:
            reference = f"{bank_ref}/{position}"
        elif bank_ref:
            reference = bank_ref
        else:
            reference = _fallback_reference(statement, booked_on, amount, currency, debtor, remittance, seen)
        credits.append(Credit(reference, booked_on, amount, currency, debtor, remittance, reversal or amount < 0))
    return credits


def _fallback_reference(statement, booked_on, amount, currency, debtor, remittance, seen: Counter[str]) -> str:
    """The same statement imported again gives the same reference; two identical transfers in it
    are told apart by their order."""
    fields = "|".join([_text(statement, "Id"), booked_on.isoformat(), str(amount), currency, debtor, remittance])
    seen[fields] += 1
    digest = hashlib.sha256(f"{fields}|{seen[fields]}".encode()).hexdigest()[:32]
    return f"h:{digest}"


def _transaction_amount(details, reference: str) -> tuple[Decimal, str]:
    for path in ("AmtDtls/TxAmt/Amt", "Amt", "AmtDtls/InstdAmt/Amt"):
        if _find(details, path) is not None:
            return _amount(details, path, reference)
    raise StatementError(_("Il movimento %(ref)s di un'operazione cumulativa non ha l'importo.") % {"ref": reference})


def _amount(element, path: str, reference: str) -> tuple[Decimal, str]:
    found = _find(element, path)
    if found is None:
        raise StatementError(_("Il movimento %(ref)s non ha l'importo.") % {"ref": reference})
    text = (found.text or "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or abs(amount) > LARGEST_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        raise StatementError(
            _("Il movimento %(ref)s ha un importo che non possiamo registrare: %(value)s.")
            % {"ref": reference or "?", "value": text}
        )
    return amount, found.get("Ccy", "")


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

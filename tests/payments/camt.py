"""camt.053 statements as banks send them (version .001.08, and the CBI variant), built for the tests."""

from decimal import Decimal

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
CBI_NS = "urn:CBI:xsd:CBIBdyBkToCstmrStmtReq.00.01.02"
OUR_IBAN = "IT60X0542811101000000123456"


def transaction(remittance: str, *, ref: str | None = None, amount: Decimal | str | None = None) -> str:
    refs = f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else ""
    amt = f'<Amt Ccy="EUR">{amount}</Amt>' if amount is not None else ""
    return f"""
      <TxDtls>
        <Refs>{refs}<EndToEndId>NOTPROVIDED</EndToEndId></Refs>{amt}
        <RltdPties><Dbtr><Pty><Nm>Studio Rossi S.r.l.</Nm></Pty></Dbtr></RltdPties>
        <RmtInf><Ustrd>{remittance}</Ustrd></RmtInf>
      </TxDtls>"""


def entry(
    ref: str | None,
    amount: Decimal | str,
    remittance: str = "",
    *,
    credit=True,
    booked=True,
    currency="EUR",
    booked_on="2026-03-10",
    ntry_ref: str | None = None,
    reversal=False,
    transactions: list[str] | None = None,
) -> str:
    """One entry; `ref` is the bank's AcctSvcrRef (None: the bank gives none)."""
    details = "".join(transactions) if transactions is not None else transaction(remittance)
    return f"""
    <Ntry>
      {f"<NtryRef>{ntry_ref}</NtryRef>" if ntry_ref else ""}
      <Amt Ccy="{currency}">{amount}</Amt>
      <CdtDbtInd>{"CRDT" if credit else "DBIT"}</CdtDbtInd>
      {"<RvslInd>true</RvslInd>" if reversal else ""}
      <Sts><Cd>{"BOOK" if booked else "PDNG"}</Cd></Sts>
      <BookgDt><Dt>{booked_on}</Dt></BookgDt>
      <ValDt><Dt>{booked_on}</Dt></ValDt>
      {f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else ""}
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
      <NtryDtls>{details}</NtryDtls>
    </Ntry>"""


def account(iban: str = OUR_IBAN) -> str:
    return f"<Acct><Id><IBAN>{iban}</IBAN></Id></Acct>"


def stmt(*entries: str, statement_id="STMT-2026-03-10", account_xml: str | None = None) -> str:
    return f"""
    <Stmt>
      <Id>{statement_id}</Id>
      {account() if account_xml is None else account_xml}
      {"".join(entries)}
    </Stmt>"""


def document(*statements: str, message_id="MSG-1", namespace=NS) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{namespace}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-03-10T18:00:00</CreDtTm></GrpHdr>
    {"".join(statements)}
  </BkToCstmrStmt>
</Document>""".encode()


def statement(*entries: str, statement_id="STMT-2026-03-10") -> bytes:
    return document(stmt(*entries, statement_id=statement_id), message_id=f"MSG-{statement_id}")


def cbi_statement(*entries: str) -> bytes:
    """The same statement as Italian banks send it through CBI: their namespace and envelope."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<CBIBdyBkToCstmrStmtReq xmlns="{CBI_NS}">
  <CBIEnvelBkToCstmrStmtReqLogMsg>
    <CBIBkToCstmrStmtReqLogMsg>
      <GrpHdr><MsgId>CBI-MSG-1</MsgId><CreDtTm>2026-03-10T18:00:00</CreDtTm></GrpHdr>
      {stmt(*entries, statement_id="CBI-STMT-1")}
    </CBIBkToCstmrStmtReqLogMsg>
  </CBIEnvelBkToCstmrStmtReqLogMsg>
</CBIBdyBkToCstmrStmtReq>""".encode()

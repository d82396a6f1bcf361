"""camt.053 statements as a bank sends them (version .001.08), built for the tests."""

from decimal import Decimal

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def entry(ref: str, amount: Decimal | str, remittance: str, *, credit=True, booked=True, currency="EUR") -> str:
    return f"""
    <Ntry>
      <Amt Ccy="{currency}">{amount}</Amt>
      <CdtDbtInd>{"CRDT" if credit else "DBIT"}</CdtDbtInd>
      <Sts><Cd>{"BOOK" if booked else "PDNG"}</Cd></Sts>
      <BookgDt><Dt>2026-03-10</Dt></BookgDt>
      <ValDt><Dt>2026-03-10</Dt></ValDt>
      <AcctSvcrRef>{ref}</AcctSvcrRef>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
      <NtryDtls><TxDtls>
        <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
        <RltdPties><Dbtr><Pty><Nm>Studio Rossi S.r.l.</Nm></Pty></Dbtr></RltdPties>
        <RmtInf><Ustrd>{remittance}</Ustrd></RmtInf>
      </TxDtls></NtryDtls>
    </Ntry>"""


def statement(*entries: str, statement_id="STMT-2026-03-10") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-{statement_id}</MsgId><CreDtTm>2026-03-10T18:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>{statement_id}</Id>
      <Acct><Id><IBAN>IT60X0542811101000000123456</IBAN></Id></Acct>
      {"".join(entries)}
    </Stmt>
  </BkToCstmrStmt>
</Document>""".encode()

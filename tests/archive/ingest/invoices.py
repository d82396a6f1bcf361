"""FatturaPA files for the reader's tests, written here in the shape of the Agenzia delle Entrate's
samples (IT01234567890_FPA01.xml…: placeholder VAT numbers that fail the check digit), one body per
`body()` or `simplified_body()`; `without` takes a required element out."""

import base64
from collections.abc import Iterator

from lxml import etree

NAMESPACE_1_2 = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"
NAMESPACE_SIMPLIFIED = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.0"
NAMESPACE_1_1 = "http://www.fatturapa.gov.it/sdi/fatturapa/v1.1"
# The samples' own: neither passes the check digit.
SAMPLE_SELLER_VAT, SAMPLE_BUYER_TAX_CODE = "01234567890", "09876543210"
VALID_VAT, VALID_TAX_CODE = "12345670017", "RSSMRA80A01H501U"
ADDRESS = "<Indirizzo>VIALE ROMA 543</Indirizzo><CAP>07100</CAP><Comune>SASSARI</Comune><Nazione>IT</Nazione>"


def ids(country: str = "IT", code: str = "", tax_code: str = "") -> str:
    """IdFiscaleIVA (when a code is given) and CodiceFiscale, in the schema's order."""
    vat = f"<IdFiscaleIVA><IdPaese>{country}</IdPaese><IdCodice>{code}</IdCodice></IdFiscaleIVA>" if code else ""
    return vat + (f"<CodiceFiscale>{tax_code}</CodiceFiscale>" if tax_code else "")


def body(number: str = "123", date: str = "2014-12-18", type_code: str = "TD01", attachment: str = "") -> str:
    return f"""
  <FatturaElettronicaBody>
    <DatiGenerali>
      <DatiGeneraliDocumento>
        <TipoDocumento>{type_code}</TipoDocumento>
        <Divisa>EUR</Divisa>
        <Data>{date}</Data>
        <Numero>{number}</Numero>
        <ImportoTotaleDocumento>6.10</ImportoTotaleDocumento>
      </DatiGeneraliDocumento>
    </DatiGenerali>
    <DatiBeniServizi>
      <DettaglioLinee>
        <NumeroLinea>1</NumeroLinea>
        <Descrizione>FORNITURE VARIE PER UFFICIO</Descrizione>
        <PrezzoUnitario>5.00</PrezzoUnitario>
        <PrezzoTotale>5.00</PrezzoTotale>
        <AliquotaIVA>22.00</AliquotaIVA>
      </DettaglioLinee>
      <DatiRiepilogo>
        <AliquotaIVA>22.00</AliquotaIVA>
        <ImponibileImporto>5.00</ImponibileImporto>
        <Imposta>1.10</Imposta>
      </DatiRiepilogo>
    </DatiBeniServizi>{attachment}
  </FatturaElettronicaBody>"""


def ordinary(
    *,
    version: str = "FPR12",
    seller: str = ids(code=SAMPLE_SELLER_VAT),
    seller_name: str = "<Denominazione>SOCIETA' ALPHA SRL</Denominazione>",
    buyer: str = ids(tax_code=SAMPLE_BUYER_TAX_CODE),
    bodies: tuple[str, ...] = (body(),),
    namespace: str = NAMESPACE_1_2,
    transmission_format: str = "",
    recipient: str = "",
) -> bytes:
    transmission_format = transmission_format or version
    recipient = recipient or ("AAAAAA" if version != "FPR12" else "ABC1234")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<p:FatturaElettronica versione="{version}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"
  xmlns:p="{namespace}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="{namespace} http://www.fatturapa.gov.it/export/fatturazione/sdi/fatturapa/v1.2/Schema.xsd">
  <FatturaElettronicaHeader>
    <DatiTrasmissione>
      <IdTrasmittente><IdPaese>IT</IdPaese><IdCodice>{SAMPLE_SELLER_VAT}</IdCodice></IdTrasmittente>
      <ProgressivoInvio>00001</ProgressivoInvio>
      <FormatoTrasmissione>{transmission_format}</FormatoTrasmissione>
      <CodiceDestinatario>{recipient}</CodiceDestinatario>
    </DatiTrasmissione>
    <CedentePrestatore>
      <DatiAnagrafici>
        {seller}
        <Anagrafica>{seller_name}</Anagrafica>
        <RegimeFiscale>RF01</RegimeFiscale>
      </DatiAnagrafici>
      <Sede>{ADDRESS}</Sede>
    </CedentePrestatore>
    <CessionarioCommittente>
      <DatiAnagrafici>
        {buyer}
        <Anagrafica><Denominazione>BETA GAMMA</Denominazione></Anagrafica>
      </DatiAnagrafici>
      <Sede>{ADDRESS}</Sede>
    </CessionarioCommittente>
  </FatturaElettronicaHeader>{"".join(bodies)}
</p:FatturaElettronica>
""".encode()


def version_1_1(**more: object) -> bytes:
    """A FatturaPA 1.1 (2014): its own namespace, versione 1.1, format SDI11, office codes of six."""
    return ordinary(version="1.1", namespace=NAMESPACE_1_1, transmission_format="SDI11", **more)  # type: ignore[arg-type]


def simplified_body(number: str = "FS/1", date: str = "2024-03-01", type_code: str = "TD07") -> str:
    return f"""
  <FatturaElettronicaBody>
    <DatiGenerali>
      <DatiGeneraliDocumento>
        <TipoDocumento>{type_code}</TipoDocumento>
        <Divisa>EUR</Divisa>
        <Data>{date}</Data>
        <Numero>{number}</Numero>
      </DatiGeneraliDocumento>
    </DatiGenerali>
    <DatiBeniServizi>
      <Descrizione>CAFFE' E CORNETTO</Descrizione>
      <Importo>3.00</Importo>
      <DatiIVA><Aliquota>10.00</Aliquota></DatiIVA>
    </DatiBeniServizi>
  </FatturaElettronicaBody>"""


def simplified(
    *,
    seller: str = ids(code=VALID_VAT),
    buyer: str = ids(tax_code=VALID_TAX_CODE),
    bodies: tuple[str, ...] = (simplified_body(),),
) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<p:FatturaElettronicaSemplificata versione="FSM10" xmlns:p="{NAMESPACE_SIMPLIFIED}">
  <FatturaElettronicaHeader>
    <DatiTrasmissione>
      <IdTrasmittente><IdPaese>IT</IdPaese><IdCodice>{VALID_VAT}</IdCodice></IdTrasmittente>
      <ProgressivoInvio>00002</ProgressivoInvio>
      <FormatoTrasmissione>FSM10</FormatoTrasmissione>
      <CodiceDestinatario>0000000</CodiceDestinatario>
    </DatiTrasmissione>
    <CedentePrestatore>
      {seller}
      <Denominazione>BAR CENTRALE SNC</Denominazione>
      <Sede>{ADDRESS}</Sede>
      <RegimeFiscale>RF01</RegimeFiscale>
    </CedentePrestatore>
    <CessionarioCommittente>
      <IdentificativiFiscali>{buyer}</IdentificativiFiscali>
      <AltriDatiIdentificativi><Nome>MARIO</Nome><Cognome>ROSSI</Cognome><Sede>{ADDRESS}</Sede></AltriDatiIdentificativi>
    </CessionarioCommittente>
  </FatturaElettronicaHeader>{"".join(bodies)}
</p:FatturaElettronicaSemplificata>
""".encode()


def without(xml: bytes, path: str) -> bytes:
    """The file with its first element at `path` (names below the root, joined by "/") taken out."""
    root = etree.fromstring(xml)
    element = root.find(path)
    assert element is not None, path
    element.getparent().remove(element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def attachment(content: str) -> str:
    """A body's Allegati, its Attachment holding `content` as written."""
    return (
        "\n    <Allegati><NomeAttachment>scansione.pdf</NomeAttachment><FormatoAttachment>PDF</FormatoAttachment>"
        f"<Attachment>{content}</Attachment></Allegati>"
    )


def with_attachment(size: int, *, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
    """An FPR12 whose body carries a base64 attachment of about `size` bytes, as 76-letter lines,
    yielded in chunks of `chunk_size` without ever being whole in memory."""
    head, tail = ordinary(bodies=(body(attachment=attachment("@")),)).split(b"@")
    line = base64.encodebytes(bytes(range(256)) * 228)  # 58,368 bytes: whole base64 lines, no padding
    repeat = max(1, chunk_size // len(line))
    yield head
    written = 0
    while written < size:
        yield line * repeat
        written += len(line) * repeat
    yield tail

"""Small real files of each format, made here: PDFs by reportlab and pikepdf, a PDF/A-2b with an
embedded font, an output intent and its ICC profile, images written byte by byte, office files by
zipfile with the parts their formats require."""

import datetime
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pikepdf
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

DEJAVU = Path(__file__).resolve().parents[3] / "billing" / "fonts" / "DejaVuSans.ttf"
# The API guide's own example of a "PDF": a text that only begins like one.
GUIDE_TEXT = b"%PDF-1.4\n% Verbale di assemblea del 1 dicembre\n"
GAMMA_2_2 = b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0233) + b"\0\0"  # an ICC curve: one u8Fixed8 gamma, padded


def staged(folder: Path, data: bytes, name: str = "staged") -> Path:
    """As the archive stages a file: its content under a name without extension."""
    path = folder / name
    path.write_bytes(data)
    return path


def plain_pdf(version: tuple[int, int] = (1, 4), text: str = "Verbale di assemblea") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pdfVersion=version)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def pikepdf_pdf(version: str = "1.7") -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    return saved(pdf, min_version=version)


def pdfa(part: str = "2", conformance: str = "B", *, embedded_font: bool = True) -> pikepdf.Pdf:
    """A PDF/A claim that holds for every rule archive.ingest.pdfa checks (without `embedded_font`,
    it is drawn in Helvetica, which reportlab does not embed)."""
    buffer = io.BytesIO()
    if embedded_font:
        pdfmetrics.registerFont(TTFont("DejaVuSans", DEJAVU))
    page = canvas.Canvas(buffer, pdfVersion=(1, 7), initialFontName="DejaVuSans" if embedded_font else None)
    page.drawString(72, 720, "Contratto di fornitura, è così")
    page.save()
    pdf = pikepdf.open(io.BytesIO(buffer.getvalue()))
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = part
        if conformance:
            meta["pdfaid:conformance"] = conformance
    profile = pdf.make_stream(icc_profile(), N=3)
    pdf.Root.OutputIntents = pikepdf.Array(
        [
            pikepdf.Dictionary(
                Type=pikepdf.Name.OutputIntent,
                S=pikepdf.Name.GTS_PDFA1,
                OutputConditionIdentifier="sRGB IEC61966-2.1",
                DestOutputProfile=profile,
            )
        ]
    )
    return pdf


def opened(data: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(data))


def attach(pdf: pikepdf.Pdf, name: str, data: bytes, *, relationship: str = "") -> None:
    spec = pikepdf.AttachedFileSpec(pdf, data, filename=name, mime_type="text/xml")
    pdf.attachments[name] = spec
    filespec = pdf.Root.Names.EmbeddedFiles.Names[-1]
    if relationship:
        filespec.AFRelationship = pikepdf.Name("/" + relationship)
    elif "/AFRelationship" in filespec:
        del filespec.AFRelationship


def saved(pdf: pikepdf.Pdf, **options: object) -> bytes:
    buffer = io.BytesIO()
    pdf.save(buffer, **options)
    return buffer.getvalue()


def icc_profile() -> bytes:
    """A minimal ICC v2 display profile for sRGB: D50 white point, sRGB's primaries adapted to D50,
    and a 2.2 gamma curve for each channel."""
    tags = [
        (b"desc", _description("sRGB minimale di prova")),
        (b"cprt", b"text\0\0\0\0Nessun diritto riservato\0"),
        (b"wtpt", _xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", _xyz(0.4361, 0.2225, 0.0139)),
        (b"gXYZ", _xyz(0.3851, 0.7169, 0.0971)),
        (b"bXYZ", _xyz(0.1431, 0.0606, 0.7141)),
        *((signature, GAMMA_2_2) for signature in (b"rTRC", b"gTRC", b"bTRC")),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, element in tags:
        table += signature + struct.pack(">II", offset + len(data), len(element))
        data += element + b"\0" * (-len(element) % 4)
    size = offset + len(data)
    created = datetime.datetime(2026, 1, 1)
    header = (
        struct.pack(">I4sI4s4s4s", size, b"\0\0\0\0", 0x02100000, b"mntr", b"RGB ", b"XYZ ")
        + struct.pack(">6H", created.year, created.month, created.day, 0, 0, 0)
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + _fixed(0.9642, 1.0, 0.8249)
        + b"\0" * 48
    )
    return header + struct.pack(">I", len(tags)) + table + data


def _description(text: str) -> bytes:
    ascii_text = text.encode("ascii", "replace") + b"\0"
    return b"desc\0\0\0\0" + struct.pack(">I", len(ascii_text)) + ascii_text + b"\0" * (4 + 4 + 2 + 1 + 67)


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ \0\0\0\0" + _fixed(x, y, z)


def _fixed(*numbers: float) -> bytes:
    return b"".join(struct.pack(">i", round(number * 65536)) for number in numbers)


def png() -> bytes:
    """1×1, one grey pixel."""
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + _chunk(b"IDAT", zlib.compress(b"\0\0")) + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def jpeg() -> bytes:
    """1×1 baseline JFIF, grey: one Huffman code for the DC difference 0 and one for end of block."""
    jfif = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
    quantisation = b"\xff\xdb" + struct.pack(">H", 67) + b"\0" + b"\x01" * 64
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 1, 1, 1) + b"\x01\x11\0"
    counts = b"\x01" + b"\0" * 15
    huffman = b"\xff\xc4" + struct.pack(">H", 2 + 2 * 18) + b"\x00" + counts + b"\0" + b"\x10" + counts + b"\0"
    scan = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00" + b"\0\x3f\0"
    return b"\xff\xd8" + jfif + quantisation + frame + huffman + scan + b"\x3f" + b"\xff\xd9"


def tiff() -> bytes:
    """1×1 uncompressed grey, little-endian."""
    entries = [(256, 1), (257, 1), (258, 8), (259, 1), (262, 1), (273, 0), (277, 1), (278, 1), (279, 1)]
    pixel_at = 8 + 2 + 12 * len(entries) + 4
    directory = struct.pack("<H", len(entries))
    for tag, value in entries:
        if tag in (273, 279):
            directory += struct.pack("<HHII", tag, 4, 1, pixel_at if tag == 273 else value)
        else:
            directory += struct.pack("<HHIHH", tag, 3, 1, value, 0)
    return b"II*\0" + struct.pack("<I", 8) + directory + struct.pack("<I", 0) + b"\x80"


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/{part}" ContentType="{content_type}"/></Types>'
)
RELATIONSHIPS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="{part}" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def docx() -> bytes:
    body = (
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>Verbale</w:t></w:r></w:p></w:body></w:document>"
    )
    return _ooxml("word/document.xml", WORD, body)


def xlsx() -> bytes:
    body = '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>'
    return _ooxml("xl/workbook.xml", EXCEL, body)


def _ooxml(part: str, content_type: str, body: str) -> bytes:
    return _zipped(
        {
            "[Content_Types].xml": CONTENT_TYPES.format(part=part, content_type=content_type),
            "_rels/.rels": RELATIONSHIPS.format(part=part),
            part: '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + body,
        }
    )


def odt() -> bytes:
    return _opendocument("application/vnd.oasis.opendocument.text")


def ods() -> bytes:
    return _opendocument("application/vnd.oasis.opendocument.spreadsheet")


def _opendocument(media_type: str) -> bytes:
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="{media_type}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2">'
        "<office:body/></office:document-content>"
    )
    # ODF wants "mimetype" first and stored, so that its bytes stand at a known offset.
    return _zipped({"mimetype": media_type, "META-INF/manifest.xml": manifest, "content.xml": content})


def _zipped(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries.items():
            kind = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 3, 1, 9, 0, 0)), text, compress_type=kind)
    return buffer.getvalue()


def eml() -> bytes:
    return (
        b"From: Mario Rossi <mario@example.it>\r\nTo: ufficio@example.it\r\nSubject: Verbale\r\n"
        b"Date: Mon, 2 Mar 2026 10:00:00 +0100\r\nMessage-ID: <1@example.it>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nIn allegato il verbale.\r\n"
    )

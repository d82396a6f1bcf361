"""When a fiscal year's tax documents must be preserved.

Art. 3, c. 3, DM 17 giugno 2014 (by reference to art. 7, c. 4-ter, DL 357/1994): tax documents are
preserved within three months of the deadline for the annual returns, which the Agenzia delle
Entrate reads as the income-tax return's (Risoluzione 46/E, 10 aprile 2017), for VAT documents too.
That return is due by 31 October of the year after (art. 2 DPR 322/1998, as D.Lgs. 108/2024 left
it), so a year's documents are due by 31 January of the second year after: 2024's by 31 January
2026. Sources checked on 2026-11: confapi.lecco.it, "Conservazione digitale documenti fiscali 2024:
scadenza entro il 31 gennaio 2026"; leggioggi.it, "Modello Redditi PF: invio entro il 31 ottobre".
Taxpayers whose fiscal year is the calendar year only; the month and day are a setting
(ARCHIVE_TAX_RETURN_DUE) because the law has moved them before (30 September, 30 November).
"""

import datetime

from django.conf import settings

from lib.dates import add_months

MONTHS_AFTER_THE_RETURN = 3


def preservation_deadline(fiscal_year: int) -> datetime.date:
    month, day = settings.ARCHIVE_TAX_RETURN_DUE
    return add_months(datetime.date(fiscal_year + 1, month, day), MONTHS_AFTER_THE_RETURN)

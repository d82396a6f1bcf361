from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Guide:
    slug: str
    title: str

    @property
    def template(self) -> str:
        return f"support/guides/{self.slug}.html"


GUIDES = [
    Guide("rinnovo", _("Come rinnovare il servizio")),
    Guide("pagamenti", _("Metodi di pagamento, tempi di accredito e registrazione")),
    Guide("spazio", _("Spazio di archiviazione: quanto ne usi e come aumentarlo")),
    Guide("scadenza", _("La scadenza del servizio e cosa succede dopo")),
]
GUIDES_BY_SLUG = {guide.slug: guide for guide in GUIDES}

"""Django's password rules with their messages in Italian first (the project's source language):
Django's own Italian catalogue lacks some of them, and a customer read "This password is too short"."""

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return (
            ngettext(
                "La password è troppo corta: servono almeno %d carattere.",
                "La password è troppo corta: servono almeno %d caratteri.",
                self.min_length,
            )
            % self.min_length
        )

    def get_help_text(self) -> str:
        return ngettext("Almeno %d carattere.", "Almeno %d caratteri.", self.min_length) % self.min_length


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    def get_error_message(self) -> str:
        return _("La password somiglia troppo a: %(verbose_name)s.")

    def get_help_text(self) -> str:
        return _("La password non può somigliare ai tuoi dati.")


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return _("Questa password è tra le più usate: scegline un'altra.")

    def get_help_text(self) -> str:
        return _("Non una delle password più usate.")


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    def get_error_message(self) -> str:
        return _("La password non può essere fatta di sole cifre.")

    def get_help_text(self) -> str:
        return _("Non solo cifre.")

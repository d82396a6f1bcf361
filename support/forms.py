from django import forms

from lib.forms import PlainTextMixin
from support.models import AssistanceRequest


class AssistanceRequestForm(PlainTextMixin, forms.ModelForm):
    class Meta:
        model = AssistanceRequest
        fields = ["service", "subject", "message", "phone"]

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = customer.services.select_related("plan")

"""Forms of the 平台参数 pages: a value typed as the parameter's type says, checked against its
bounds by kit.parameters (errors in Chinese), and a company for an override."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kit import parameters
from kit.parameters import Parameter


class ParameterValueForm(forms.Form):
    value = forms.CharField(label=_("Value"), max_length=200, required=False)

    def __init__(self, *args, parameter: Parameter, initial_value=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.parameter = parameter
        field = self.fields["value"]
        if parameter.kind == parameters.BOOL:
            self.fields["value"] = forms.ChoiceField(
                label=_("Value"), choices=[("true", _("Yes")), ("false", _("No"))]
            )
        elif parameter.kind == parameters.CHOICE:
            self.fields["value"] = forms.ChoiceField(
                label=_("Value"), choices=[(k, str(v)) for k, v in parameter.choices]
            )
        else:
            field.widget.attrs.update({"size": 12, "inputmode": _inputmode(parameter)})
        if parameter.unit:
            self.fields["value"].help_text = str(parameter.unit)
        if initial_value is not None and not self.is_bound:
            self.initial["value"] = parameters.as_text(parameter, initial_value)

    def clean_value(self):
        return parameters.parse(self.parameter, self.cleaned_data.get("value") or "")


def _inputmode(parameter: Parameter) -> str:
    return "decimal" if parameter.kind == parameters.DECIMAL else "numeric"


class CompanyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class OverrideForm(ParameterValueForm):
    company = CompanyChoiceField(
        label=_("Property company"),
        queryset=None,
        error_messages={
            "required": _("Please choose a property company."),
            "invalid_choice": _("Choose a property company from the list."),
        },
    )
    field_order = ["company", "value"]

    def __init__(self, *args, companies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies

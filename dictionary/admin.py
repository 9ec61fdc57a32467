from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import DictionaryVersion, Granularity, Modality, Register, Variable


@admin.register(DictionaryVersion)
class DictionaryVersionAdmin(admin.ModelAdmin):
    list_display = ["number", "label", "released_on"]
    search_fields = ["label", "changelog"]


class VariableInline(admin.TabularInline):
    model = Variable
    fields = ["name", "label", "format", "padlock", "status"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Register)
class RegisterAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "domain", "unit", "source", "order", "variable_count"]
    list_filter = ["domain"]
    search_fields = ["code", "label", "label_fr", "description"]
    inlines = [VariableInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_variable_count=Count("variables"))

    @admin.display(description=_("variables"), ordering="_variable_count")
    def variable_count(self, obj):
        return obj._variable_count


class GranularityInline(admin.StackedInline):
    model = Granularity
    fields = ["code", "kind", "label", "label_fr", "recode", "origin"]
    extra = 0
    show_change_link = True  # the modalities are edited on the granularity's page


@admin.register(Variable)
class VariableAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "label",
        "register",
        "format",
        "padlock",
        "is_quasi_identifier",
        "identifier_kind",
        "domain",
        "status",
    ]
    list_filter = [
        "register",
        "padlock",
        "domain",
        "format",
        "status",
        "is_quasi_identifier",
        "identifier_kind",
    ]
    search_fields = ["name", "label", "label_fr", "description", "description_fr"]
    list_select_related = ["register"]
    autocomplete_fields = ["replaced_by"]
    inlines = [GranularityInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "register",
                    "name",
                    "label",
                    "label_fr",
                    "description",
                    "description_fr",
                    "format",
                    "source",
                    "comments",
                    "comments_fr",
                    "domain",
                ]
            },
        ),
        (_("Protection"), {"fields": ["padlock", "is_quasi_identifier", "identifier_kind"]}),
        (
            _("Availability and versions"),
            {
                "fields": [
                    "available_from",
                    "available_to",
                    "status",
                    "introduced_in",
                    "changed_in",
                    "replaced_by",
                    "order",
                ]
            },
        ),
        (_("Synthetic data"), {"fields": ["generation_hints"], "classes": ["collapse"]}),
    ]


class ModalityInline(admin.TabularInline):
    model = Modality
    fields = ["order", "code", "label", "label_fr"]
    extra = 0


@admin.register(Granularity)
class GranularityAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "label", "origin", "modality_count"]
    list_filter = ["kind", "variable__register"]
    search_fields = ["code", "label", "variable__name"]
    list_select_related = ["variable"]
    autocomplete_fields = ["variable"]
    inlines = [ModalityInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_modality_count=Count("modalities"))

    @admin.display(description=_("modalities"), ordering="_modality_count")
    def modality_count(self, obj):
        return obj._modality_count

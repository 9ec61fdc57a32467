"""Django admin for people, organisations, affiliations and sanctions.

State changes that matter (activation, authorisation, withdrawal, exclusion, two-factor reset) are
admin *actions* that call the services, so they are checked, audited and notified like anywhere
else; the fields they govern are read-only in the change forms.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from ask4mdp.audit.services import log_event

from . import services
from .forms import AuthorisationForm, ExclusionForm, WithdrawalForm
from .models import Affiliation, ExpertDomain, Organisation, Sanction, User
from .roles import Role


def _login_through_accounts(request, extra_context=None):
    """One login page for the whole site (lockout, two-factor, language): the admin's redirects there.

    A signed-in person without access to the admin gets a 403, not a redirect loop through the login."""
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(
        request.GET.get("next", reverse("admin:index")), login_url=reverse("accounts:login")
    )


admin.site.login = _login_through_accounts


def role_label(group: Group) -> str:
    return Role(group.name).label if group.name in Role.values else group.name


class RolesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return role_label(obj)


# --- users -----------------------------------------------------------------------------------------


class UserCreationForm(auth_forms.BaseUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name", "language"]


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class PendingActivationFilter(admin.SimpleListFilter):
    title = _("account status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("pending", _("Pending activation")),
            ("unverified", _("E-mail not verified")),
            ("active", _("Active")),
            ("deactivated", _("Deactivated")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "pending":
                return queryset.filter(
                    is_active=False, email_verified_at__isnull=False, activated_at__isnull=True
                )
            case "unverified":
                return queryset.filter(email_verified_at__isnull=True)
            case "active":
                return queryset.filter(is_active=True)
            case "deactivated":
                return queryset.filter(is_active=False, activated_at__isnull=False)
        return queryset


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return Role.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(groups__name=self.value()).distinct()
        return queryset


class ExcludedFilter(admin.SimpleListFilter):
    title = _("excluded now")
    parameter_name = "excluded"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        active = Sanction.objects.active().filter(kind=Sanction.Kind.EXCLUSION, user=OuterRef("pk"))
        if self.value() == "yes":
            return queryset.filter(Exists(active))
        if self.value() == "no":
            return queryset.exclude(Exists(active))
        return queryset


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["organisation", "sponsor"]
    fields = ["organisation", "sponsor", "position", "start", "end"]


class ExpertDomainInline(admin.TabularInline):
    model = ExpertDomain
    extra = 0
    verbose_name_plural = _("expert domains (for thematic experts)")


class UserSanctionInline(admin.TabularInline):
    model = Sanction
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = ["start", "end", "is_breach", "reference", "reason", "lifted_at"]
    readonly_fields = fields
    verbose_name_plural = _("exclusions (use the action “Exclude selected persons” to add one)")

    def has_add_permission(self, request, obj=None):
        return False


def _action_form(modeladmin, request, queryset, form, title, action):
    return render(
        request,
        "admin/accounts/action_form.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "objects": queryset,
            "action": action,
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ["full_name", "email"]
    list_display = [
        "email",
        "full_name",
        "roles",
        "is_active",
        "verified",
        "two_factor",
        "organisations",
        "date_joined",
    ]
    list_filter = [
        PendingActivationFilter,
        RoleFilter,
        ExcludedFilter,
        "is_demo",
        "is_staff",
        "is_superuser",
        "language",
    ]
    search_fields = ["email", "full_name", "affiliations__organisation__name"]
    readonly_fields = ["is_active", "email_verified_at", "activated_at", "last_login", "date_joined"]
    filter_horizontal = ["groups", "user_permissions"]
    inlines = [AffiliationInline, ExpertDomainInline, UserSanctionInline]
    actions = ["activate_accounts", "exclude_persons", "reset_two_factor", "deactivate_accounts"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "language", "qualifications"]}),
        (
            _("Account status"),
            {
                "fields": ["is_active", "email_verified_at", "activated_at", "is_demo"],
                "description": _(
                    "Accounts are activated with the action “Activate selected accounts” in the list."
                ),
            },
        ),
        (_("Roles"), {"fields": ["groups"]}),
        (
            _("Django admin"),
            {"fields": ["is_staff", "is_superuser", "user_permissions"], "classes": ["collapse"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "language", "password1", "password2"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                "groups",
                "affiliations__organisation",
            )
            .annotate(has_totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["form_class"] = RolesField
            kwargs["label"] = _("roles")
            kwargs["help_text"] = _("Every role but the researcher's requires two-factor authentication.")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("roles"))
    def roles(self, obj):
        return ", ".join(str(role_label(g)) for g in obj.groups.all())

    @admin.display(description=_("e-mail verified"), boolean=True)
    def verified(self, obj):
        return obj.email_verified_at is not None

    @admin.display(description=_("2FA"), boolean=True)
    def two_factor(self, obj):
        return obj.has_totp

    @admin.display(description=_("organisations"))
    def organisations(self, obj):
        return ", ".join(a.organisation.name for a in obj.affiliations.all())

    def save_model(self, request, obj, form, change):
        if not change:
            # An account an administrator creates is vouched for: verified and active at once.
            obj.email_verified_at = obj.activated_at = timezone.now()
            obj.is_active = True
        super().save_model(request, obj, form, change)
        if not change:
            log_event("account.created_by_administrator", actor=request.user, obj=obj)

    def save_related(self, request, form, formsets, change):
        before = set(form.instance.groups.values_list("name", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(form.instance.groups.values_list("name", flat=True))
        if before != after:
            log_event(
                "account.roles_changed",
                actor=request.user,
                obj=form.instance,
                data={"added": sorted(after - before), "removed": sorted(before - after)},
            )

    @admin.action(description=_("Activate selected accounts"))
    def activate_accounts(self, request, queryset):
        done = 0
        for user in queryset:
            try:
                done += services.user_activate(user=user, actor=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
            except PermissionDenied:
                self.message_user(
                    request, gettext("Only an administrator may activate accounts."), messages.ERROR
                )
                return
        self.message_user(
            request, gettext("%(count)d account(s) activated.") % {"count": done}, messages.SUCCESS
        )

    @admin.action(description=_("Deactivate selected accounts"))
    def deactivate_accounts(self, request, queryset):
        done = 0
        for user in queryset:
            try:
                done += services.user_deactivate(user=user, reason="administration", actor=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
        self.message_user(
            request, gettext("%(count)d account(s) deactivated.") % {"count": done}, messages.SUCCESS
        )

    @admin.action(description=_("Reset two-factor authentication of selected accounts"))
    def reset_two_factor(self, request, queryset):
        removed = sum(services.otp_reset(user=user, actor=request.user) for user in queryset)
        self.message_user(
            request,
            gettext("%(count)d device(s) removed: the persons set up a new one at their next log-in.")
            % {"count": removed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Exclude selected persons…"))
    def exclude_persons(self, request, queryset):
        form = ExclusionForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            data = form.cleaned_data
            for user in queryset:
                services.person_exclude(
                    user=user,
                    start=data["start"],
                    end=data["end"],
                    reason=data["reason"],
                    is_breach=data["is_breach"],
                    reference=data["reference"],
                    actor=request.user,
                )
            self.message_user(
                request,
                gettext("%(count)d person(s) excluded.") % {"count": queryset.count()},
                messages.SUCCESS,
            )
            return None
        return _action_form(self, request, queryset, form, gettext("Exclude persons"), "exclude_persons")


# --- organisations ---------------------------------------------------------------------------------


class OrganisationAffiliationInline(admin.TabularInline):
    model = Affiliation
    fk_name = "organisation"
    extra = 0
    autocomplete_fields = ["user", "sponsor"]
    fields = ["user", "sponsor", "position", "start", "end"]
    verbose_name_plural = _("researchers affiliated")


class OrganisationSanctionInline(admin.TabularInline):
    model = Sanction
    fk_name = "organisation"
    extra = 0
    can_delete = False
    fields = ["start", "end", "reason", "lifted_at"]
    readonly_fields = fields
    verbose_name_plural = _("withdrawals of the authorisation (use the action in the list to add one)")

    def has_add_permission(self, request, obj=None):
        return False


class DomesticFilter(admin.SimpleListFilter):
    title = _("domestic or foreign")
    parameter_name = "domestic"

    def lookups(self, request, model_admin):
        return [("domestic", _("Domestic")), ("foreign", _("Foreign"))]

    def queryset(self, request, queryset):
        from django.conf import settings

        if self.value() == "domestic":
            return queryset.filter(country__iexact=settings.PLATFORM_COUNTRY)
        if self.value() == "foreign":
            return queryset.exclude(country__iexact=settings.PLATFORM_COUNTRY)
        return queryset


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "acronym",
        "org_type",
        "country",
        "authorisation_status",
        "authorised_from",
        "authorised_until",
        "authorised_today",
        "status_today",
        "contact_person",
    ]
    list_filter = ["authorisation_status", "org_type", DomesticFilter, "country"]
    search_fields = ["name", "legal_name", "acronym", "registration_number"]
    autocomplete_fields = ["signatory", "contact_person"]
    readonly_fields = ["authorisation_status", "authorised_from", "authorised_until", "created_at"]
    inlines = [OrganisationAffiliationInline, OrganisationSanctionInline]
    actions = ["authorise", "withdraw_authorisation"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "legal_name",
                    "acronym",
                    "org_type",
                    "country",
                    "address",
                    "registration_number",
                    "business_data_exemption",
                ]
            },
        ),
        (_("People"), {"fields": ["signatory", "contact_person"]}),
        (
            _("Authorisation"),
            {
                "fields": ["authorisation_status", "authorised_from", "authorised_until", "created_at"],
                "description": _(
                    "Changed with the actions “Authorise…” and “Withdraw the authorisation…” in the list."
                ),
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contact_person").prefetch_related("sanctions")

    @admin.display(description=_("authorised today"), boolean=True)
    def authorised_today(self, obj):
        return obj.is_authorised()

    @admin.display(description=_("status today"))
    def status_today(self, obj):
        return obj.current_status_display()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        log_event(
            "organisation.changed" if change else "organisation.registered",
            actor=request.user,
            obj=obj,
            data={"fields": form.changed_data},
        )

    @admin.action(description=_("Authorise selected organisations…"))
    def authorise(self, request, queryset):
        form = AuthorisationForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done = 0
            for organisation in queryset:
                try:
                    services.organisation_authorise(
                        organisation=organisation,
                        actor=request.user,
                        valid_from=form.cleaned_data["valid_from"],
                        valid_until=form.cleaned_data["valid_until"],
                    )
                    done += 1
                except ValidationError as error:
                    self.message_user(
                        request, f"{organisation}: {' '.join(error.messages)}", messages.WARNING
                    )
            self.message_user(
                request, gettext("%(count)d organisation(s) authorised.") % {"count": done}, messages.SUCCESS
            )
            return None
        return _action_form(self, request, queryset, form, gettext("Authorise organisations"), "authorise")

    @admin.action(description=_("Withdraw the authorisation of selected organisations…"))
    def withdraw_authorisation(self, request, queryset):
        form = WithdrawalForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            data = form.cleaned_data
            for organisation in queryset:
                services.organisation_withdraw_authorisation(
                    organisation=organisation,
                    start=data["start"],
                    end=data["end"],
                    reason=data["reason"],
                    actor=request.user,
                )
            self.message_user(
                request,
                gettext("The authorisation of %(count)d organisation(s) is withdrawn.")
                % {"count": queryset.count()},
                messages.SUCCESS,
            )
            return None
        return _action_form(
            self, request, queryset, form, gettext("Withdraw authorisations"), "withdraw_authorisation"
        )


# --- affiliations, expert domains, sanctions -------------------------------------------------------


@admin.register(Affiliation)
class AffiliationAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "sponsor", "position", "start", "end", "valid_today"]
    list_filter = ["organisation", ("sponsor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__email", "user__full_name", "organisation__name", "sponsor__name", "position"]
    autocomplete_fields = ["user", "organisation", "sponsor"]
    list_select_related = ["user", "organisation", "sponsor"]

    @admin.display(description=_("valid today"), boolean=True)
    def valid_today(self, obj):
        return obj.is_valid()


@admin.register(ExpertDomain)
class ExpertDomainAdmin(admin.ModelAdmin):
    list_display = ["user", "domain"]
    list_filter = ["domain"]
    search_fields = ["user__email", "user__full_name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]


class ActiveSanctionFilter(admin.SimpleListFilter):
    title = _("in force")
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("yes", _("In force today")), ("no", _("Not in force"))]

    def queryset(self, request, queryset):
        active = Sanction.objects.active().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=active)
        if self.value() == "no":
            return queryset.exclude(pk__in=active)
        return queryset


@admin.register(Sanction)
class SanctionAdmin(admin.ModelAdmin):
    """Sanctions are recorded through the actions on users and organisations; here they are browsed
    and lifted, never edited or deleted (they are history)."""

    list_display = ["kind", "target", "start", "end", "is_breach", "reference", "in_force", "recorded_by"]
    list_filter = ["kind", "is_breach", ActiveSanctionFilter]
    search_fields = ["user__email", "user__full_name", "organisation__name", "reason", "reference"]
    list_select_related = ["user", "organisation", "recorded_by"]
    date_hierarchy = "start"
    actions = ["lift"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Sanction._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("person or organisation"))
    def target(self, obj):
        return obj.user or obj.organisation

    @admin.display(description=_("in force"), boolean=True)
    def in_force(self, obj):
        today = timezone.localdate()
        return obj.lifted_at is None and obj.start <= today and (obj.end is None or obj.end >= today)

    @admin.action(description=_("Lift selected sanctions"))
    def lift(self, request, queryset):
        done = sum(
            services.sanction_lift(sanction=s, reason="lifted in the administration", actor=request.user)
            for s in queryset
        )
        self.message_user(
            request, gettext("%(count)d sanction(s) lifted.") % {"count": done}, messages.SUCCESS
        )


# Roles are groups: show them under their role names.
admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "members"]
    search_fields = ["name"]
    filter_horizontal = ["permissions"]

    @admin.display(description=_("role"))
    def role(self, obj):
        return role_label(obj)

    @admin.display(description=_("members"))
    def members(self, obj):
        return obj.user_set.count()

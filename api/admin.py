"""Personal API tokens in the admin: made (the secret shown once, on the page that follows),
listed and revoked; never edited, never deleted (a revoked token stays as the record). The model
permissions are held by no role: a superuser makes tokens, or grants the right to."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from api.tokens import IssuedToken, TokenError, api_token_create, api_token_revoke, token_check
from surveys.models import ApiScope, ApiToken


class TokenAddForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("scopes"),
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    expires_at = forms.DateTimeField(
        label=gettext_lazy("expires at"),
        required=False,
        help_text=gettext_lazy("Empty: API_TOKEN_DAYS from now (90 days by default)."),
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name", "scopes", "expires_at"]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            token_check(
                user=cleaned["user"],
                name=cleaned.get("name", ""),
                scopes=list(cleaned.get("scopes", [])),
                expires_at=cleaned.get("expires_at"),
                now=timezone.now(),
            )
        except TokenError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return cleaned


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "scopes", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    actions = ["revoke"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "scopes",
        "created_at",
        "created_by",
        "expires_at",
        "revoked_at",
        "revoked_by",
        "last_used_at",
    ]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        if obj is None:
            kwargs["form"] = TokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else TokenAddForm.Meta.fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        issued: IssuedToken = api_token_create(
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            scopes=list(form.cleaned_data["scopes"]),
            expires_at=form.cleaned_data.get("expires_at"),
            created_by=request.user,  # type: ignore[arg-type]
        )
        obj.pk = issued.token.pk
        obj.prefix = issued.token.prefix
        self._issued = issued

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The token has no relations to save (the service wrote the row)."""

    def response_add(self, request: HttpRequest, obj: ApiToken, post_url_continue: Any = None):  # type: ignore[no-untyped-def]
        """The secret, shown once: it is not stored, and cannot be shown again."""
        return TemplateResponse(
            request,
            "api/admin/token_created.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("API token made"),
                "token": self._issued.token,
                "secret": self._issued.secret,
                "opts": self.opts,
            },
            headers={"Cache-Control": "no-store"},
        )

    @admin.action(description=gettext_lazy("Revoke the selected tokens"), permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> HttpResponse | None:
        if not request.user.has_perm("surveys.add_apitoken"):
            self.message_user(
                request, gettext("Only staff who may make tokens may revoke them."), messages.ERROR
            )
            return None
        revoked = sum(
            api_token_revoke(token=token, revoked_by=request.user)  # type: ignore[arg-type]
            for token in queryset
        )
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", revoked) % {"n": revoked},
        )
        return None

"""The browsable API docs: Swagger UI from our own static files (drf-spectacular's sidecar),
its start-up script a separate file, so that the site's Content Security Policy (scripts and
styles from our own origin only, nothing inline) holds on this page too."""

from __future__ import annotations

from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocs(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"

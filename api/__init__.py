"""The read API under ``/api/v1/``: the published record for programs, and staff reads by token.

Built on Django REST framework with drf-spectacular for the OpenAPI 3.1 schema. Nothing imports
this package; it reads through the one-rule functions of ``surveys`` and ``reports``.
"""

"""Cursor pagination: each page carries an opaque link to the next, keyed on the primary key, so
a client paging through a consultation gets every row exactly once even while rows are added or
withdrawn between its requests (an offset would skip or repeat rows then)."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class KeyCursorPagination(CursorPagination):
    ordering = "pk"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

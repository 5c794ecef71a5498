"""What each kind of email says: the apps register a renderer per kind (``register``), and the
sender asks for the message when it sends (``render``), in the worker rather than the request."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str = ""
    # Extra message headers (``List-Unsubscribe`` for the notices to subscribers).
    headers: Mapping[str, str] = field(default_factory=dict)


Renderer = Callable[[Mapping[str, Any], str], Rendered]  # (context, language) -> message

_RENDERERS: dict[str, Renderer] = {}


class UnknownKind(LookupError):
    pass


def register(kind: str, renderer: Renderer) -> None:
    _RENDERERS[kind] = renderer


def render(kind: str, context: Mapping[str, Any], language: str) -> Rendered:
    try:
        renderer = _RENDERERS[kind]
    except KeyError as exc:
        raise UnknownKind(kind) from exc
    return renderer(context, language)

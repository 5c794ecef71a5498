"""Atom feeds (Django's syndication framework) for people who prefer a feed reader to email:
the consultations as they open, and the conclusions as they are published. In the language of
the request, like every page; drafts and unpublished conclusions never appear."""

from __future__ import annotations

import datetime as dt

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from surveys.models import Consultation

LATEST = 50


class _ConsultationFeed(Feed[Consultation, None]):
    feed_type = Atom1Feed
    author_name = "Consult HK"

    def link(self) -> str:
        return reverse("surveys:index")

    def item_title(self, item: Consultation) -> str:
        return item.localized("title")

    def item_description(self, item: Consultation) -> str:
        return item.localized("summary")

    def item_link(self, item: Consultation) -> str:
        return reverse("surveys:detail", args=[item.slug])

    def item_updateddate(self, item: Consultation) -> dt.datetime:
        return item.updated_at


class ConsultationsFeed(_ConsultationFeed):
    def title(self) -> str:
        return _("Consult HK: consultations")

    def subtitle(self) -> str:
        return _("Consultations as they open for responses.")

    def items(self) -> QuerySet[Consultation]:
        return (
            Consultation.objects.published()
            .filter(opens_at__lte=timezone.now())
            .order_by("-opens_at", "-pk")[:LATEST]
        )

    def item_pubdate(self, item: Consultation) -> dt.datetime:
        return item.opens_at


class ConclusionsFeed(_ConsultationFeed):
    def title(self) -> str:
        return _("Consult HK: conclusions")

    def subtitle(self) -> str:
        return _("Consultation conclusions as they are published.")

    def items(self) -> QuerySet[Consultation]:
        # Published conclusions: the rule of the conclusions pages (not a draft, stamped).
        return (
            Consultation.objects.published()
            .filter(conclusions_published_at__isnull=False)
            .order_by("-conclusions_published_at", "-pk")[:LATEST]
        )

    def item_link(self, item: Consultation) -> str:
        return reverse("conclusions:landing", args=[item.slug])

    def item_guid(self, item: Consultation) -> str:
        return self.item_link(item)

    def item_pubdate(self, item: Consultation) -> dt.datetime | None:
        return item.conclusions_published_at

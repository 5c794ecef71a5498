"""Subscribing, confirming and unsubscribing by email; the Atom feeds."""

from django.urls import path

from surveys.subscriptions import feeds, views

app_name = "subscriptions"

urlpatterns = [
    path("subscriptions/", views.subscribe, name="subscribe"),
    path("subscriptions/confirm/<str:token>/", views.confirm, name="confirm"),
    path("subscriptions/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("feeds/consultations.atom", feeds.ConsultationsFeed(), name="feed_consultations"),
    path("feeds/conclusions.atom", feeds.ConclusionsFeed(), name="feed_conclusions"),
]

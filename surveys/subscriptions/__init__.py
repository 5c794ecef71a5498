"""Subscriptions by email: anyone may follow one consultation, or all of them, and is told when
it opens, 7 days before it closes, when it closes and when its conclusions are published.

- ``services``: every write (request, confirm, unsubscribe, the notices, expiry and erasure).
- ``emails``: the confirmation and the notices, queued in the outbox and rendered by its worker.
- ``forms``, ``views``, ``urls``: the public pages (subscribe, confirm, unsubscribe).
- ``feeds``: the Atom feeds of consultations and of published conclusions.
- ``tasks``: the beat task that sends the notices.
"""

"""Sessions read from the shared cache and written through to the database."""

from django.contrib.sessions.backends import cached_db

from consultation.sessions import NewKeyWithoutLookup


class SessionStore(NewKeyWithoutLookup, cached_db.SessionStore):
    pass

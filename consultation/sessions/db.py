"""Sessions in the database (no shared cache configured)."""

from django.contrib.sessions.backends import db

from consultation.sessions import NewKeyWithoutLookup


class SessionStore(NewKeyWithoutLookup, db.SessionStore):
    pass

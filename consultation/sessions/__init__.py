"""Session engines: Django's database and cached-database sessions, less one read per new session.

Before it stores a new session, Django asks whether the random key it drew is already taken: a
cache read and a database query on every respondent's first page save. The insert that follows
fails on a taken key anyway (the key is the table's primary key), and Django then draws another,
so the question changes nothing. These stores skip it.
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.utils.crypto import get_random_string


class NewKeyWithoutLookup:
    def _get_new_session_key(self) -> str:
        # A clash is caught by the insert (create() retries with a fresh key), not looked up.
        return get_random_string(32, VALID_KEY_CHARS)

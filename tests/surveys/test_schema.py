"""Indexes of the answers table: what reports and respondent pages read by, and nothing more."""

import pytest
from django.db import connection

from surveys.models import Answer

pytestmark = pytest.mark.django_db


def test_answers_have_no_index_that_another_one_already_covers():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Answer._meta.db_table)
    indexed = {
        tuple(details["columns"])
        for details in constraints.values()
        if details["index"] and not details["primary_key"]
    }
    assert ("consultation_id", "question_id", "choice_id") in indexed  # the report scan
    assert ("submission_id",) in indexed  # a respondent's own answers
    # consultation_id alone is served by the report scan index, which starts with it.
    assert ("consultation_id",) not in indexed

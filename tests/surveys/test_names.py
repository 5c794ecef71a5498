"""Who a respondent is called and who may see it (surveys.names): the functions and the SQL
expressions give the same answer for every kind of stored name, on this database."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.models import Consent, RespondentType, Submission
from surveys.names import public_name, respondent_name, staff_label_expression
from tests.factories import ConsultationFactory, SubmissionFactory

NAMES = st.sampled_from(["", " ", "   ", "Harbour Digital", " Harbour Digital ", "陳大文", " 陳 "])


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    organisation=NAMES,
    contact=NAMES,
    kind=st.sampled_from([RespondentType.ORGANISATION, RespondentType.INDIVIDUAL, ""]),
    consent=st.sampled_from([*Consent.values, ""]),
    erased=st.booleans(),
)
def test_the_sql_and_the_function_agree_on_the_public_name(
    organisation, contact, kind, consent, erased
):
    submission = SubmissionFactory(
        consultation=ConsultationFactory(),
        respondent_type=kind,
        organisation_name=organisation,
        contact_name=contact,
        consent=consent,
        personal_data_erased_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) if erased else None,
    )
    in_sql = Submission.objects.with_public_name().get(pk=submission.pk).public_name
    in_python = public_name(
        consent=consent,
        respondent_type=kind,
        organisation_name=organisation,
        contact_name=contact,
        personal_data_erased_at=submission.personal_data_erased_at,
    )
    assert in_sql == in_python
    if in_python is not None:
        assert in_python == in_python.strip() and in_python
        assert consent == Consent.NAME_AND_RESPONSE and not erased


def test_a_name_of_spaces_is_no_name():
    assert (
        respondent_name(
            respondent_type=RespondentType.ORGANISATION,
            organisation_name="   ",
            contact_name=" Chan Tai Man ",
        )
        == "Chan Tai Man"
    )
    assert (
        public_name(
            consent=Consent.NAME_AND_RESPONSE,
            respondent_type=RespondentType.INDIVIDUAL,
            organisation_name="",
            contact_name="  ",
            personal_data_erased_at=None,
        )
        is None
    )


@pytest.mark.django_db
def test_staff_without_the_personal_data_right_see_organisations_only():
    consultation = ConsultationFactory()
    firm = SubmissionFactory(
        consultation=consultation,
        respondent_type=RespondentType.ORGANISATION,
        organisation_name=" Harbour Digital ",
        contact_name="Chan Tai Man",
    )
    person = SubmissionFactory(
        consultation=consultation,
        respondent_type=RespondentType.INDIVIDUAL,
        organisation_name="",
        contact_name="Chan Tai Man",
    )
    nobody = SubmissionFactory(
        consultation=consultation, respondent_type="", organisation_name=" ", contact_name=""
    )

    def labels(personal: bool) -> dict[int, str]:
        rows = Submission.objects.annotate(label=staff_label_expression(personal=personal))
        return dict(rows.values_list("pk", "label"))

    assert labels(False) == {firm.pk: "Harbour Digital", person.pk: "withheld", nobody.pk: "—"}
    assert labels(True)[person.pk] == "Chan Tai Man"

"""factory_boy factories for the survey models. Defaults describe an open consultation."""

import datetime as dt
import functools

import factory
from django.utils import timezone

from surveys.models import (
    Answer,
    Choice,
    Consultation,
    Question,
    QuestionKind,
    Section,
    Submission,
    SubmissionState,
)


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation

    slug = factory.Sequence(lambda n: f"consultation-{n}")
    reference_prefix = "TST"
    title_en = factory.Sequence(lambda n: f"Consultation {n} on virtual-asset licensing")
    title_zh = factory.Sequence(lambda n: f"虛擬資產發牌制度諮詢 {n}")
    summary_en = "We invite views on a proposed licensing regime."
    summary_zh = "我們就擬議的發牌制度徵詢意見。"
    body_en = "Background.\n\nThe proposal."
    body_zh = "背景。\n\n建議。"
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=20))
    is_draft = False


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    consultation = factory.SubFactory(ConsultationFactory)
    order = factory.Sequence(lambda n: n + 1)
    title_en = factory.Sequence(lambda n: f"Section {n}")
    title_zh = factory.Sequence(lambda n: f"第 {n} 部分")


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    section = factory.SubFactory(SectionFactory)
    consultation = factory.SelfAttribute("section.consultation")
    code = factory.Sequence(lambda n: f"Q{n + 1}")
    order = factory.Sequence(lambda n: n + 1)
    kind = QuestionKind.SINGLE
    text_en = factory.Sequence(lambda n: f"Question {n}?")
    text_zh = factory.Sequence(lambda n: f"問題 {n}？")


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory)
    value = factory.Sequence(lambda n: f"choice_{n}")
    order = factory.Sequence(lambda n: n + 1)
    label_en = factory.Sequence(lambda n: f"Choice {n}")
    label_zh = factory.Sequence(lambda n: f"選項 {n}")


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission

    consultation = factory.SubFactory(ConsultationFactory)
    reference = factory.Sequence(lambda n: f"TST-{n + 1:06d}")
    state = SubmissionState.DRAFT
    respondent_type = "individual"
    category = "public"
    contact_name = factory.Sequence(lambda n: f"Respondent {n}")
    email = factory.Sequence(lambda n: f"respondent{n}@example.com")
    consent = "response_only"
    privacy_acknowledged = True

    class Params:
        submitted = factory.Trait(
            state=SubmissionState.SUBMITTED,
            submitted_at=factory.LazyFunction(timezone.now),
        )


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    submission = factory.SubFactory(SubmissionFactory)
    consultation = factory.SelfAttribute("submission.consultation")
    question = factory.SubFactory(
        QuestionFactory, section__consultation=factory.SelfAttribute("...submission.consultation")
    )


# --- Staff review (surveys.admin, review, themes, campaigns) -----------------------------------


STAFF_PASSWORD = "correct horse battery 9"


@functools.cache
def _staff_password_hash() -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(STAFF_PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    """A staff user, optionally in role groups: ``UserFactory(roles=["Reviewers"])``."""

    class Meta:
        model = "auth.User"
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@sfc.example.hk")
    is_staff = True
    # Hashed once per test run: the real hasher is deliberately slow.
    password = factory.LazyFunction(lambda: _staff_password_hash())

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            from django.contrib.auth.models import Group

            from surveys.roles import roles_sync

            # The groups come from a data migration; a transactional test's flush removes them.
            if Group.objects.filter(name__in=extracted).count() < len(set(extracted)):
                roles_sync()
            self.groups.add(*Group.objects.filter(name__in=extracted))
        if create:
            self.save()

    @factory.post_generation
    def permissions(self, create, extracted, **kwargs):
        """``permissions=["surveys.view_personal_data"]``: direct grants besides the roles."""
        if create and extracted:
            from django.contrib.auth.models import Permission

            for name in extracted:
                app_label, codename = name.split(".", 1)
                self.user_permissions.add(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.Theme"

    consultation = factory.SubFactory(ConsultationFactory)
    name_en = factory.Sequence(lambda n: f"Theme {n}")
    name_zh = factory.Sequence(lambda n: f"主題 {n}")


class CampaignGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.CampaignGroup"

    consultation = factory.SubFactory(ConsultationFactory)
    label = factory.Sequence(lambda n: f"C{n + 1}")
    size = 0
    representative_text = "We oppose the proposal in its current form."

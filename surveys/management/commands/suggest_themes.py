"""``manage.py suggest_themes SLUG [--question CODE] [--clusters N]``: suggested themes.

Prints, for each free-text question (or the one given), the clusters of its answers with their
top terms and three example answers. Reviewers accept suggestions in the admin (Themes ›
Suggest themes), where each suggestion can become a theme and tag its answers.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.models import Consultation, Question, QuestionKind
from surveys.review import themes


class Command(BaseCommand):
    help = "Cluster the free-text answers of a consultation into suggested themes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--question", help="Only this question code, e.g. Q25.")
        parser.add_argument(
            "--clusters",
            type=int,
            help=f"Clusters per question (2 to {themes.MAX_CLUSTERS}); by default from the "
            "number of answers.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = str(options["slug"])
        consultation = Consultation.objects.filter(slug=slug).first()
        if consultation is None:
            raise CommandError(f"No consultation with slug '{slug}'.")
        questions = Question.objects.filter(consultation=consultation, kind=QuestionKind.TEXT)
        if options["question"]:
            questions = questions.filter(code=options["question"])
            if not questions.exists():
                raise CommandError(f"{slug} has no free-text question {options['question']}.")
        for question in questions.order_by("order"):
            try:
                result = themes.theme_suggestions(
                    question=question,
                    clusters=options["clusters"],
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            self.stdout.write(
                self.style.MIGRATE_HEADING(f"{question.code}: {result.answers} answers")
            )
            if result.message:
                self.stdout.write(f"  {result.message}")
            for suggestion in result.suggestions:
                terms = ", ".join(suggestion.top_terms)
                self.stdout.write(f"  {suggestion.number}. {suggestion.size} answers: {terms}")
                for example in suggestion.examples:
                    text = " ".join(example.text.split())
                    self.stdout.write(f"       {example.reference}: {text[:110]}")

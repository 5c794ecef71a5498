"""The answer scales shared by every consultation: the five-point agree scale and yes / no / unsure.

Their values are stable (reports and exports key on them); labels are bilingual.
"""

from surveys.models import QuestionKind

# (value, English label, Chinese label), in the order a respondent sees them.
STANDARD_CHOICES: dict[str, list[tuple[str, str, str]]] = {
    QuestionKind.AGREE: [
        ("strongly_agree", "Strongly agree", "非常同意"),
        ("agree", "Agree", "同意"),
        ("neutral", "Neither agree nor disagree", "既不同意也不反對"),
        ("disagree", "Disagree", "不同意"),
        ("strongly_disagree", "Strongly disagree", "非常不同意"),
    ],
    QuestionKind.YES_NO_UNSURE: [
        ("yes", "Yes", "是"),
        ("no", "No", "否"),
        ("unsure", "Not sure", "不確定"),
    ],
}

AGREEING = frozenset({"strongly_agree", "agree"})
DISAGREEING = frozenset({"disagree", "strongly_disagree"})

"""The fingerprint's fast record writer against a plain one, on random data (no database).

``counted_lines`` writes each counted submission's record by hand, with the answer rows turned
into text by numpy; these tests hold it to the README's definition written the obvious way (a
dict per record, ``json.dumps(sort_keys=True, ...)``), and show that the lines of chunks, put
end to end, are the lines of the whole.
"""

import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.summary.fingerprint import (
    FingerprintParts,
    counted_lines,
    fingerprint_of,
    fingerprint_sha256,
    left_out_digest,
    section_digest,
)
from reports.summary.inputs import answers_frame, respondents_frame, texts_frame

VOCABULARY = ("", "public", "bank", "個人", 'quote"s', "back\\slash")
LABELS = ("C1", "C2", "運動")


def _digest(record):
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain_lines(rows, answers, texts, confirmed):
    """The README's records, written the obvious way."""
    lines = []
    for row in sorted(rows):
        submission_id, kind, category, consent, late, group, name, language, review, reason = row[
            :10
        ]
        licence = row[10]
        mine = sorted(
            (
                (q, (0, 0) if c is None else (1, c), (0, 0) if n is None else (1, n), c, n)
                for s, q, c, n in answers
                if s == submission_id
            ),
        )
        written = sorted((q, t, sorted(ids)) for s, q, t, ids in texts if s == submission_id)
        record = {
            "id": submission_id,
            "type": kind,
            "category": category,
            "consent": consent,
            "language": language,
            "late": late,
            "channel": "web",
            "weight": 1,
            "licence": licence,
            "name": name,
            "campaign": None
            if group is None
            else {"label": group, "confirmed": confirmed.get(group, False)},
            "review": review,
            "reason": reason,
            "answers": [[q, c, n] for q, _ck, _nk, c, n in mine],
            "texts": [[q, t, ids] for q, t, ids in written],
        }
        lines.append(_digest(record) + "\n")
    return "".join(lines).encode()


@st.composite
def data(draw):
    ids = draw(st.lists(st.integers(1, 10**9), min_size=0, max_size=12, unique=True))
    strings = st.sampled_from(VOCABULARY)
    rows = [
        (
            i,
            draw(strings),
            draw(strings),
            draw(strings),
            draw(st.booleans()),
            draw(st.none() | st.sampled_from(LABELS)),
            draw(st.none() | st.text(max_size=8)),
            draw(strings),
            draw(st.sampled_from(("new", "accepted"))),
            draw(st.sampled_from(("", "spam"))),
            draw(st.sampled_from(("licensed", "applicant", "other"))),
        )
        for i in ids
    ]
    # Answer rows of counted submissions and of others (which a record must leave out).
    owners = st.sampled_from([*ids, 0]) if ids else st.just(0)
    numbers = st.none() | st.integers(-(2**63), 2**63 - 1)
    answers = draw(
        st.lists(
            st.tuples(owners, st.integers(1, 40), st.none() | st.integers(1, 10**7), numbers),
            max_size=40,
        )
    )
    answers = [(s, q, c, n) for s, q, c, n in answers if c is not None or n is not None]
    texts = draw(
        st.lists(
            st.tuples(
                owners,
                st.integers(41, 60),
                st.text(min_size=1, max_size=12),
                st.lists(st.integers(1, 99), max_size=3, unique=True),
            ),
            max_size=10,
            unique_by=lambda t: (t[0], t[1]),
        )
    )
    confirmed = {label: draw(st.booleans()) for label in LABELS}
    return rows, answers, texts, confirmed


def _lines(rows, answers, texts, confirmed):
    respondents = respondents_frame((*row[:8], row[10]) for row in rows).assign(
        review_status=[row[8] for row in rows], exclusion_reason=[row[9] for row in rows]
    )
    return counted_lines(
        respondents=respondents,
        answers=answers_frame(answers),
        texts=texts_frame(texts),
        campaigns_confirmed=confirmed,
    )


@settings(max_examples=150, deadline=None)
@given(data())
def test_the_fast_records_are_the_readme_records(case):
    rows, answers, texts, confirmed = case
    assert _lines(rows, answers, texts, confirmed) == _plain_lines(rows, answers, texts, confirmed)


@settings(max_examples=60, deadline=None)
@given(data(), st.data())
def test_chunk_lines_end_to_end_are_the_whole(case, draw):
    rows, answers, texts, confirmed = case
    rows = sorted(rows)
    cuts = sorted(draw.draw(st.lists(st.integers(0, len(rows)), max_size=3)))
    bounds = [0, *cuts, len(rows)]
    pieces = [rows[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    joined = b"".join(_lines(piece, answers, texts, confirmed) for piece in pieces)
    assert joined == _lines(rows, answers, texts, confirmed)


def test_the_fingerprint_is_four_lines_hashed():
    counted = b"".join((_digest({"id": i}) + "\n").encode() for i in (1, 2))
    left_out = left_out_digest([(9, "spam"), (3, "withdrawn")])
    assert left_out == section_digest(
        [(_digest({"id": 3, "left_out": "withdrawn"}) + "\n").encode()]
        + [(_digest({"id": 9, "left_out": "spam"}) + "\n").encode()]
    )
    expected = hashlib.sha256(
        (
            "consult-hk-fingerprint/2\n"
            + "ab" * 32
            + "\n"
            + hashlib.sha256(counted).hexdigest()
            + "\n"
            + left_out
            + "\n"
        ).encode()
    ).hexdigest()
    parts = FingerprintParts(header="ab" * 32, counted=counted, left_out=left_out)
    assert fingerprint_of(parts) == expected
    assert (
        fingerprint_sha256(
            header="ab" * 32, counted=hashlib.sha256(counted).hexdigest(), left_out=left_out
        )
        == expected
    )

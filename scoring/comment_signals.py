"""The comment model's signals that do not depend on a language or a niche: what makes a comment
spam wherever it is posted, beside the n-grams that say what it is about.

Learned from finance comments only, the n-grams read "crypto", "invest", "get in touch" as spam
and everything else as conversation: 9% of the spam under creators of other niches was caught.
These signals describe the *form* of a promotion instead: a link or domain, a handle or a phone
number to contact, a call to action, text in capitals or emoji only, repeated characters and
words, and one that needs more than the text: **the same author posting near-duplicate text**
(copy-paste promotion), counted over the comments scored together.

Each signal is one named column (:data:`SIGNALS`); a model keeps the names it was fit with, so a
model of an older set still scores. The author signals need authors (and the group, the post or
video, for the second): without them they are missing (NaN), never zero, and the model then
leaves them out of the sum (see ``scoring.comment_model``).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

_EMOJI = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]")
# One \b before a trie of words, not a \b per alternative: 4x faster, the same matches.
_MONEY_OR_CONTACT = re.compile(
    r"[$£€]\s?\d|\d\s?(?:k|usd|btc|eth)\b|\b(?:profit|invest"
    r"|(?:btc|dm|inbox|message me|get in touch|whatsapp|telegram)\b)"
)
# A bare domain ("zonepa.com", "adf.ly /x", "site . com"), on normalised (lower-case) text: only
# top-level domains that are rarely a word after a full stop. Starting with the full stop lets the
# regex engine jump between full stops; links and spelt-out domains are plain substrings.
_DOMAIN = re.compile(
    r"\.(?:\s?(?:com|net|org)|ly|io|info|biz|tv|gl|ru|xyz|site|online|club|link|shop|gg)\b"
)
_LINK_MARKS = (
    "http:/",
    "https:/",
    "www.",
    "www .",
    "dot com",
    "dotcom",
    "youtu.be",
    "wa.me",
    "t.me/",
)
# A phone number: 8-15 digits with at most one separator between any two (digits are already
# zeros in normalised text, so this runs on the raw text).
_PHONE = re.compile(r"(?:\+\s?)?\d(?:[\s.()-]?\d){7,14}(?!\d)")
# Calls to action: short, and stems that several languages share (subscri-, suscri-, abonn-,
# inscrev-, iscriv-; contact / contato / kontakt) or that are the same everywhere (whatsapp, dm).
_CALL_TO_ACTION = re.compile(
    r"\b(?:check (?:out|my|it)|subscri|suscri|inscrev|abonn|iscriv|sub ?(?:4|for|0) ?sub"
    r"|follow (?:me|my|us|back)|link in (?:my )?bio|(?:my|mi|meu|mon|mein) (?:channel|page|profile"
    r"|video|music|song|site|website|canal|chaîne|kanal)|click|visit|dm\b|inbox|message me"
    r"|text me|contact|contat|kontakt|whatsapp|telegram|promot|collab|get in touch|reach out"
    r"|hit me up|hmu\b|ask me how)"
)
_REPEATED_CHAR = re.compile(r"(.)\1{2,}")
_WORD_CHAR = re.compile(r"\w")
_SKELETON_DROP = re.compile(r"[\W_]+")

TEXT_SIGNALS: tuple[str, ...] = (
    "log_length",
    "log_words",
    "handles",
    "emoji_share",
    "money_or_contact",
    "digit_share",
    "handle_in_long",
    "links",
    "phone_numbers",
    "calls_to_action",
    "emoji_only",
    "all_caps",
    "repeated_chars",
    "repeated_words",
)
AUTHOR_SIGNALS: tuple[str, ...] = ("author_near_duplicates", "author_duplicate_groups")
SIGNALS: tuple[str, ...] = TEXT_SIGNALS + AUTHOR_SIGNALS
# The seven counts of the comment model before these signals (bundle format /2).
LEGACY_SIGNALS: tuple[str, ...] = TEXT_SIGNALS[:7]

NEAR_DUPLICATE = 0.5  # Jaccard similarity of character 4-gram sets from which two texts are one
SHINGLE = 4
AUTHOR_COMMENTS_COMPARED = 200  # an author's latest comments compared pairwise, at most


def text_signals(texts: Sequence[str], normalised: Sequence[str]) -> np.ndarray:
    """Per text, the :data:`TEXT_SIGNALS` in order; ``normalised`` is ``normalise`` of each
    (handles, hashtags and digits made generic, lower case)."""
    rows = []
    for raw, plain in zip(texts, normalised, strict=True):
        words = plain.split()
        n_words = len(raw.split())
        n = max(len(raw), 1)
        handles = plain.count("@handle")
        digits = plain.count("0")
        repeats = 1.0 - len(set(words)) / len(words) if len(words) >= 3 else 0.0
        rows.append(
            (
                math.log1p(len(raw)),
                math.log1p(n_words),
                handles,
                len(_EMOJI.findall(raw)) / n,
                len(_MONEY_OR_CONTACT.findall(plain)),
                digits / n,
                float(handles > 0 and n_words > 8),
                math.log1p(_links(plain)),
                float(digits >= 8 and _PHONE.search(raw) is not None),
                math.log1p(len(_CALL_TO_ACTION.findall(plain))),
                float(bool(raw.strip()) and _WORD_CHAR.search(raw) is None),
                float(raw.isupper() and len(raw) >= 8),
                math.log1p(len(_REPEATED_CHAR.findall(raw))),
                repeats,
            )
        )
    return np.asarray(rows, dtype=np.float64).reshape(len(texts), len(TEXT_SIGNALS))


def _links(plain: str) -> int:
    """Links and domains in a normalised text (a link's own domain counts too)."""
    found = sum(mark in plain for mark in _LINK_MARKS)
    return found + len(_DOMAIN.findall(plain)) if "." in plain else found


def skeleton(text: str) -> str:
    """What is left of a text to compare: lower case, digits as 0, letters and digits only."""
    return " ".join(_SKELETON_DROP.sub(" ", re.sub(r"\d", "0", text.lower())).split())


def shingles(text: str) -> frozenset[str]:
    """The character 4-grams of a text's skeleton (the skeleton itself when shorter)."""
    s = skeleton(text)
    return frozenset(s[i : i + SHINGLE] for i in range(max(len(s) - SHINGLE + 1, 1)))


def author_signals(
    texts: Sequence[str],
    authors: Sequence[str | None] | None = None,
    groups: Sequence[str | None] | None = None,
) -> np.ndarray:
    """Per text, the :data:`AUTHOR_SIGNALS`: log(1 + the author's other comments with
    near-duplicate text) and log(1 + the other groups, posts or videos, those are under), over
    the comments given together. Missing (NaN) where the author is missing, the second also
    where the group is; all NaN without ``authors``."""
    out = np.full((len(texts), len(AUTHOR_SIGNALS)), np.nan)
    if authors is None:
        return out
    if len(authors) != len(texts) or (groups is not None and len(groups) != len(texts)):
        raise ValueError("authors and groups need one entry per text")
    by_author: dict[str, list[int]] = defaultdict(list)
    for i, author in enumerate(authors):
        if _known(author):
            by_author[str(author)].append(i)
    for rows in by_author.values():
        compared = rows[-AUTHOR_COMMENTS_COMPARED:]  # a prolific author: against the latest
        sets = {j: shingles(texts[j]) for j in compared}
        for i in rows:
            own = sets.get(i) or shingles(texts[i])
            twins = [
                j
                for j, other in sets.items()
                if j != i and len(own & other) >= NEAR_DUPLICATE * len(own | other)
            ]
            out[i, 0] = math.log1p(len(twins))
            if groups is not None and _known(groups[i]):
                elsewhere = {groups[j] for j in twins if _known(groups[j])} - {groups[i]}
                out[i, 1] = math.log1p(len(elsewhere))
    return out


def _known(value: object) -> bool:
    return value is not None and value == value and str(value) != ""  # not None, NaN or ""

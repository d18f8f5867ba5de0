"""Comment texts and usernames, built vectorised from small vocabularies (pyarrow joins).

Genuine comments mix several slots (opener, phrase, tail, question, emoji, mention) and are often
short; pod members reuse a personal template post after post; bought comments come from a short
generic list. Spam promotions ("get in touch with @..."), which real accounts get too, turn up
among fans' comments and more among bought ones. The vocabularies overlap (a genuine fan also
writes "🔥🔥🔥"), so text alone does not give the class away.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from creator_audit.simulator.config import ORGANIC_PROMO_SHARE, POD_TEMPLATE_VARY

OPENERS = [
    "omg",
    "wow",
    "ok",
    "yes",
    "honestly",
    "haha",
    "lol",
    "aww",
    "oh",
    "so",
    "girl",
    "bro",
    "dude",
    "literally",
    "ahh",
    "yesss",
    "stop",
    "ugh",
    "hey",
    "okay",
]
PHRASES = [
    "love this",
    "this is gorgeous",
    "so beautiful",
    "amazing shot",
    "need this",
    "the colors though",
    "you look great",
    "great vibes",
    "obsessed",
    "goals",
    "so cute",
    "this made my day",
    "incredible",
    "stunning",
    "where is this",
    "beautiful place",
    "perfect",
    "so good",
    "can't wait",
    "miss this",
    "same",
    "looks delicious",
    "recipe please",
    "congrats",
    "proud of you",
    "happy birthday",
    "well deserved",
    "nice one",
    "so true",
    "this is everything",
    "love the energy",
    "what a view",
    "you never miss",
    "iconic",
    "take me there",
    "the light is unreal",
    "love your style",
    "such a vibe",
    "can relate",
    "this is art",
    "you deserve it",
    "looking good",
    "great content as always",
    "keep going",
    "love the details",
    "this outfit",
    "saving this",
    "need to try this",
    "best one yet",
    "so inspiring",
]
TAILS = [
    "!",
    "!!",
    "...",
    "so much",
    "for real",
    "again",
    "today",
    "tbh",
    "fr",
    "omg",
    "as always",
    "honestly",
    "haha",
    "x",
    "<3",
]
QUESTIONS = [
    "where did you get it?",
    "what camera?",
    "how long did it take?",
    "is it new?",
    "when is the next one?",
    "what lens?",
    "who made this?",
    "can I come?",
    "link?",
    "how??",
    "where is this place?",
    "what's the song?",
    "recipe?",
    "is this edited?",
    "when are you back?",
    "how do you do it?",
]
EMOJIS = [
    "😍",
    "❤️",
    "🔥",
    "😂",
    "👏",
    "🙌",
    "💕",
    "✨",
    "😭",
    "🥰",
    "💯",
    "👌",
    "❤️❤️",
    "😍😍😍",
    "🔥🔥",
    "🙏",
    "😊",
    "💖",
    "🤩",
    "👀",
]
SHORT = [
    "❤️",
    "🔥",
    "😍",
    "🔥🔥🔥",
    "love it",
    "nice",
    "wow",
    "omg",
    "yes",
    "cute",
    "😂😂",
    "👏👏",
    "so good",
    "beautiful",
    "amazing",
    "perfect",
    "🙌",
    "goals",
    "same",
    "❤️❤️❤️",
]
BOT = [
    "nice pic",
    "🔥🔥🔥",
    "great post",
    "nice",
    "love it",
    "awesome",
    "😍😍",
    "cool",
    "👍",
    "wow",
    "amazing",
    "nice 👍",
    "great pic",
    "beautiful",
    "❤️",
    "👏👏👏",
    "super",
    "nice post",
    "good job",
    "perfect",
    "great",
    "🔥",
    "lovely",
    "so nice",
]
GIVEAWAY = [
    "done",
    "entered",
    "done!",
    "🤞",
    "🤞🤞",
    "pick me",
    "yes please",
    "fingers crossed",
    "would love this",
    "me!",
    "hope I win",
    "shared",
    "done ✅",
]
# Promotions: written after the patterns of ScamSpot's real scam comments (a pitch, a handle to
# contact, often money), not copied from them, so the comment model is not judged on its own data.
PROMO_OPENERS = [
    "hey",
    "hi dear",
    "hello",
    "wow",
    "nice pic",
    "great content",
    "love your page",
    "amazing",
    "beautiful",
    "hey there",
]
PROMO_PITCHES = [
    "send it to",
    "promote it on",
    "get featured on",
    "dm us on",
    "collab? dm",
    "want more followers? check",
    "for paid promotion contact",
    "you should post this on",
    "for fast growth message",
    "we would love to feature you, dm",
    "get in touch with",
    "crypto signals that actually work, message",
]
MONEY_LEADS = ["i made", "i earned", "just withdrew", "got paid", "received", "made"]
MONEY_TAILS = [
    "in one week trading with",
    "from my first investment with",
    "in 3 days thanks to",
    "last month with the help of",
    "with bitcoin mining, ask",
    "working from home, contact",
]
PROMO_CLOSERS = [
    "🔥",
    "💯",
    "🚀",
    "💰",
    "🙏",
    "on whatsapp",
    "on telegram",
    "she is legit",
    "highly recommend",
    "thank me later",
    "for more info",
    "asap",
]
NAME_WORDS = [
    "anna",
    "leo",
    "maria",
    "alex",
    "sam",
    "luca",
    "nina",
    "max",
    "eva",
    "tom",
    "julia",
    "noah",
    "mia",
    "ben",
    "sara",
    "dan",
    "lena",
    "omar",
    "yuki",
    "ivan",
    "zoe",
    "kai",
    "ella",
    "finn",
    "ava",
    "jay",
    "lily",
    "marco",
    "chloe",
    "theo",
    "travel",
    "food",
    "photo",
    "art",
    "daily",
    "life",
    "style",
    "fit",
    "coffee",
    "sun",
    "moon",
    "wild",
    "urban",
    "green",
    "blue",
    "happy",
    "the",
    "real",
    "its",
    "official",
    "studio",
    "vibes",
    "world",
    "club",
    "home",
    "eats",
    "snap",
    "diary",
]
SEPARATORS = ["", "_", ".", "", ""]


def _pick(rng, vocab: list[str], n: int, p_empty: float = 0.0) -> pa.Array:
    words = pa.array([*vocab, ""])
    idx = rng.integers(0, len(vocab), n)
    idx[rng.random(n) < p_empty] = len(vocab)
    return words.take(pa.array(idx))


def _join(*parts: pa.Array, sep: str = " ") -> pa.Array:
    joined = pc.binary_join_element_wise(*parts, sep)
    # Empty slots leave doubled or edge separators; collapse them.
    if sep:
        joined = pc.replace_substring_regex(joined, pattern=" {2,}", replacement=" ")
        joined = pc.utf8_trim(joined, characters=" ")
    return joined


def usernames(rng, n: int, fake_look: np.ndarray | None = None) -> pa.Array:
    """Usernames: word[sep word][digits]; fake-looking ones are digit-heavy more often."""
    fake_look = np.zeros(n, bool) if fake_look is None else fake_look
    second = _pick(rng, NAME_WORDS, n, p_empty=0.5)
    sep = pc.if_else(pc.equal(second, ""), "", _pick(rng, SEPARATORS, n))
    digit_p = np.where(fake_look, 0.75, 0.3)
    n_digits = np.where(fake_look, rng.integers(3, 9, n), rng.integers(1, 5, n))
    has_digits = rng.random(n) < digit_p
    digits = rng.integers(0, 10 ** n_digits.astype(np.int64), dtype=np.int64)
    digit_str = pc.if_else(pa.array(has_digits), pc.cast(pa.array(digits), pa.string()), "")
    return _join(_pick(rng, NAME_WORDS, n), sep, second, digit_str, sep="")


_WORD_CODES = np.zeros((len(NAME_WORDS), max(map(len, NAME_WORDS))), dtype=np.uint8)
for _i, _word in enumerate(NAME_WORDS):
    _WORD_CODES[_i, : len(_word)] = np.frombuffer(_word.encode("ascii"), dtype=np.uint8)
_WORD_LEN = np.array([len(w) for w in NAME_WORDS], dtype=np.int64)
_SEP_CODES = np.array([ord(s) if s else 0 for s in SEPARATORS], dtype=np.uint8)


def usernames_with(rng, length: np.ndarray, digits: np.ndarray) -> pa.Array:
    """Usernames of exactly ``length`` characters, the last ``digits`` of them digits.

    The letters are NAME_WORDS joined by the row's separator (none, ``_`` or ``.``), the last word
    cut to fit: ``anna_travel93``, ``leofoo``. Letters never end in a separator (a letter takes
    its place). ``digits == length`` gives an all-digit name.
    """
    length = np.asarray(length, dtype=np.int64)
    digits = np.asarray(digits, dtype=np.int64)
    if length.shape != digits.shape or length.ndim != 1:
        raise ValueError("length and digits must be 1-d arrays of the same size")
    if np.any(length < 1) or np.any(digits < 0) or np.any(digits > length):
        raise ValueError("need length >= 1 and 0 <= digits <= length")
    n = length.size
    width = int(length.max(initial=1))
    letters = length - digits
    chars = np.zeros((n, width), dtype=np.uint8)
    sep = _SEP_CODES[rng.integers(0, _SEP_CODES.size, n)]
    pos = np.zeros(n, dtype=np.int64)  # next free character of each name
    rows = np.flatnonzero(letters > 0)
    first = True
    while rows.size:  # one word (after a separator) per pass for the names not yet full
        if not first:
            put = rows[sep[rows] > 0]
            chars[put, pos[put]] = sep[put]
            pos[put] += 1
        word = rng.integers(0, len(NAME_WORDS), rows.size)
        at, room = pos[rows], letters[rows] - pos[rows]
        for c in range(_WORD_CODES.shape[1]):
            put = (c < _WORD_LEN[word]) & (c < room)
            chars[rows[put], at[put] + c] = _WORD_CODES[word[put], c]
        pos[rows] = at + _WORD_LEN[word]
        rows = rows[pos[rows] < letters[rows]]
        first = False
    last = np.flatnonzero(letters > 0)
    cut = np.isin(chars[last, letters[last] - 1], _SEP_CODES[_SEP_CODES > 0])
    fill = rng.integers(ord("a"), ord("z") + 1, last.size).astype(np.uint8)
    chars[last[cut], letters[last[cut]] - 1] = fill[cut]
    col = np.arange(width)
    is_digit = (col >= letters[:, None]) & (col < length[:, None])
    chars[is_digit] = rng.integers(ord("0"), ord("9") + 1, int(is_digit.sum())).astype(np.uint8)
    data = chars[col < length[:, None]]  # row-major: each name's characters in turn
    offsets = np.concatenate([[0], np.cumsum(length)]).astype(np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data.tobytes()))


def mentions(rng, n: int) -> pa.Array:
    return pc.binary_join_element_wise("@", usernames(rng, n), "")


def genuine_comments(
    rng, n: int, short_share: float = 0.3, promo_share: float = ORGANIC_PROMO_SHARE
) -> pa.Array:
    """Varied fan comments: several optional slots, some plain short reactions, and a few
    promotions from the spam accounts that comment on every public account."""
    mention = pc.if_else(pa.array(rng.random(n) < 0.08), mentions(rng, n), "")
    long = _join(
        _pick(rng, OPENERS, n, 0.65),
        _pick(rng, PHRASES, n, 0.05),
        _pick(rng, TAILS, n, 0.7),
        _pick(rng, QUESTIONS, n, 0.85),
        _pick(rng, EMOJIS, n, 0.5),
        mention,
    )
    fans = pc.if_else(pa.array(rng.random(n) < short_share), _pick(rng, SHORT, n), long)
    return _with_promotions(rng, fans, promo_share)


def promotions(rng, n: int) -> pa.Array:
    """Spam: a pitch or a money claim, a handle to contact, often an emoji or a closer."""
    amount = rng.choice([300, 500, 900, 1_500, 2_800, 4_500, 7_000, 12_000], n)
    money = _join(
        _pick(rng, MONEY_LEADS, n),
        pc.binary_join_element_wise("$", pc.cast(pa.array(amount), pa.string()), ""),
        _pick(rng, MONEY_TAILS, n),
        sep=" ",
    )
    pitch = pc.if_else(pa.array(rng.random(n) < 0.5), money, _pick(rng, PROMO_PITCHES, n))
    return _join(
        _pick(rng, PROMO_OPENERS, n, 0.5),
        pitch,
        mentions(rng, n),
        _pick(rng, PROMO_CLOSERS, n, 0.4),
    )


def _with_promotions(rng, texts: pa.Array, share: float | np.ndarray) -> pa.Array:
    """``texts`` with a ``share`` of them (per row, or one for all) replaced by promotions.

    The draws come from a child generator (``spawn`` leaves ``rng``'s own stream where it was),
    so adding spam changed the comment texts of a seed's data and nothing else."""
    spam_rng = rng.spawn(1)[0]
    n = len(texts)
    return pc.if_else(pa.array(spam_rng.random(n) < share), promotions(spam_rng, n), texts)


def giveaway_comments(rng, n: int) -> pa.Array:
    """Entries: one to three tagged friends, often with a word."""
    tags = [mentions(rng, n), pc.if_else(pa.array(rng.random(n) < 0.6), mentions(rng, n), "")]
    tags.append(pc.if_else(pa.array(rng.random(n) < 0.3), mentions(rng, n), ""))
    return _join(*tags, _pick(rng, GIVEAWAY, n, 0.4))


def bot_comments(rng, n: int, promo_share: float | np.ndarray = 0.0) -> pa.Array:
    """Bought comments: stock praise, and promotions at the provider's ``promo_share``."""
    return _with_promotions(rng, _pick(rng, BOT, n), promo_share)


def pod_comments(rng, member: np.ndarray) -> pa.Array:
    """Per-member templates (slots fixed by the member id) reused post after post."""
    m = np.asarray(member, dtype=np.uint64)

    def slot(vocab: list[str], mult: int, p_empty: float) -> pa.Array:
        h = (m * np.uint64(mult) + np.uint64(0x9E37)) % np.uint64(1_000_003)
        idx = (h % np.uint64(len(vocab))).astype(np.int64)
        empty = (h % np.uint64(997)).astype(np.float64) / 997 < p_empty
        idx[empty] = len(vocab)
        return pa.array([*vocab, ""]).take(pa.array(idx))

    emoji = slot(EMOJIS, 7919, 0.0)
    vary = pa.array(rng.random(m.size) < POD_TEMPLATE_VARY)
    emoji = pc.if_else(vary, _pick(rng, EMOJIS, m.size), emoji)
    return _join(
        slot(OPENERS, 104_729, 0.4),
        slot(PHRASES, 1_299_709, 0.0),
        slot(TAILS, 15_485_863, 0.5),
        slot(PHRASES, 32_452_843, 0.3),
        emoji,
    )

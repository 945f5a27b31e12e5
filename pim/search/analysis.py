"""Text analysis shared by every search backend.

Texts are analysed here, once, in Python, and both backends index and query the resulting
tokens. That keeps the two backends' hits identical, and it works on any Elasticsearch
distribution: the integration-test distribution ships without the ``analysis-common`` module
(no ``german`` analyzer, no ``asciifolding``, no decompounders), and managed clusters differ in
the plugins they allow.

The pipeline for a word: lower case, fold accents and umlauts (``Kugelhähne`` → ``kugelhahne``,
``ß`` → ``ss``), light stemming (German: Savoy's light stemmer as in Lucene's
``GermanLightStemmer``; English: the minimal plural stemmer), and for German texts compound
splitting against a dictionary of technical words (``Hydraulikpumpe`` → ``hydraulik`` +
``pump``). Typo tolerance (edit distance) is applied at query time by the backends, with the
same rule in both: :func:`fuzziness`.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings

WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_LETTER_FOLDS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "ı": "i"})
# Every combining mark (accents, umlaut dots...) maps to nothing: after NFKD decomposition
# this removes the accents in one C-level pass. All of them lie below U+20000.
_COMBINING_MARKS = dict.fromkeys(cp for cp in range(0x20000) if unicodedata.combining(chr(cp)))


def _fold_slowly(text: str) -> str:
    text = text.casefold().translate(_LETTER_FOLDS)
    return unicodedata.normalize("NFKD", text).translate(_COMBINING_MARKS)


# Below U+3000 (Latin, Greek, Cyrillic, punctuation, symbols) every character folds on its
# own, so one table does casefold, the letter folds, NFKD and the accent removal
# in a single pass (decomposition is per character; only combining marks get reordered,
# and they are removed).
_FOLD_FAST_LIMIT = "\u3000"
_FOLD_TABLE = {
    cp: folded
    for cp in [*range(ord("A"), ord("Z") + 1), *range(0x80, 0x3000)]
    if (folded := _fold_slowly(chr(cp))) != chr(cp)
}

# Words that never narrow a technical search.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "each",
        "every",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "than",
        "that",
        "the",
        "their",
        "this",
        "to",
        "was",
        "were",
        "which",
        "will",
        "with",
        "without",
        "ab",
        "als",
        "am",
        "an",
        "auch",
        "auf",
        "aus",
        "bei",
        "bis",
        "das",
        "dass",
        "dem",
        "den",
        "der",
        "des",
        "die",
        "durch",
        "ein",
        "eine",
        "einem",
        "einen",
        "einer",
        "eines",
        "es",
        "fur",
        "im",
        "in",
        "ist",
        "jede",
        "jedem",
        "jeden",
        "jeder",
        "jedes",
        "mit",
        "nach",
        "oder",
        "ohne",
        "sich",
        "sind",
        "und",
        "vom",
        "von",
        "vor",
        "wird",
        "werden",
        "zu",
        "zum",
        "zur",
    ]
)

LINKING_MORPHEMES = ("", "s", "es", "n", "en", "er", "e")
MIN_COMPOUND_PART = 3
MIN_COMPOUND_HEAD = 4
MAX_TOKEN_LENGTH = 64

NAME, TEXT = "name", "text"


def fold(text: str) -> str:
    """Lower case without accents; German umlauts become their base vowel, ß becomes ss."""
    if text.isascii():  # most catalog text: nothing to fold but the case
        return text.lower()
    if max(text) < _FOLD_FAST_LIMIT:
        return text.translate(_FOLD_TABLE)
    return _fold_slowly(text)


def words(text: str) -> list[str]:
    """The folded words of ``text`` (letters and digits; everything else separates)."""
    return [w[:MAX_TOKEN_LENGTH] for w in WORD_RE.findall(fold(text or ""))]


# --- stemming -----------------------------------------------------------------------------
_S_ENDING = set("bdfghklmnrt")
_ST_ENDING = set("bdfghklmnt")


def stem_german(word: str) -> str:
    """Savoy's light German stemmer (the algorithm of Lucene's GermanLightStemmer), on a
    folded word. Digits and short words are left alone."""
    if len(word) < 4 or not word.isalpha():
        return word
    n = len(word)
    # step 1
    if n > 5 and word.endswith("ern"):
        n -= 3
    elif n > 4 and word[n - 2 : n] in ("em", "en", "er", "es"):
        n -= 2
    elif n > 3 and word[n - 1] == "e" or n > 3 and word[n - 1] == "s" and word[n - 2] in _S_ENDING:
        n -= 1
    # step 2
    if n > 5 and word[n - 3 : n] == "est":
        n -= 3
    elif (
        n > 4
        and word[n - 2 : n] in ("er", "en")
        or n > 4
        and word[n - 2 : n] == "st"
        and word[n - 3] in _ST_ENDING
    ):
        n -= 2
    return word[:n]


def stem_english(word: str) -> str:
    """The minimal English plural stemmer (Lucene's EnglishMinimalStemmer)."""
    n = len(word)
    if n < 4 or word[-1] != "s" or not word.isalpha():  # "gas", "bus" stay
        return word
    before = word[-2]
    if before in ("u", "s"):
        return word
    if before == "e":
        if n > 3 and word[-3] == "i" and word[-4] not in ("a", "e"):
            return word[:-3] + "y"
        if word[-3] in ("i", "a", "o", "e"):
            return word
    return word[:-1]


STEMMERS = {"de": stem_german, "en": stem_english}


def stem(word: str, language: str | None) -> str:
    stemmer = STEMMERS.get((language or "").split("-")[0])
    return stemmer(word) if stemmer else word


# --- compounds ----------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _load_dictionary(extra_path: str) -> frozenset[str]:
    paths = [Path(__file__).parent / "data" / "compound_words_de.txt"]
    if extra_path:
        paths.append(Path(extra_path))
    entries = set()
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                word = fold(line)
                # both forms, so inflected compounds split too: Magnetventile -> magnetventil
                entries.update((word, stem_german(word)))
    return frozenset(w for w in entries if len(w) >= MIN_COMPOUND_PART)


def compound_dictionary() -> frozenset[str]:
    return _load_dictionary(str(getattr(settings, "PIM_SEARCH_COMPOUND_WORDS", "") or ""))


def _segment(word: str, dictionary: frozenset[str]) -> list[str] | None:
    """Split ``word`` completely into dictionary words (with linking letters between them),
    preferring the fewest parts; None if it cannot be split into two or more."""
    n = len(word)
    # best[i]: (cost, parts) of the best split of word[:i]; cost = (parts, linking letters)
    best: list[tuple[tuple[int, int], list[str]] | None] = [None] * (n + 1)
    best[0] = ((0, 0), [])
    for end in range(MIN_COMPOUND_PART, n + 1):
        for start in range(0, end - MIN_COMPOUND_PART + 1):
            if best[start] is None:
                continue
            (count, linking), prefix = best[start]
            piece = word[start:end]
            part, link_length = None, 0
            if piece in dictionary:
                part = piece
            elif start > 0:
                # the piece may start with the linking letters of the previous part
                for link in LINKING_MORPHEMES[1:]:
                    rest = piece[len(link) :]
                    if piece.startswith(link) and len(rest) >= MIN_COMPOUND_PART and rest in dictionary:
                        part, link_length = rest, len(link)
                        break
            if part is None:
                continue
            candidate = ((count + 1, linking + link_length), [*prefix, part])
            if best[end] is None or candidate[0] < best[end][0]:
                best[end] = candidate
    result = best[n]
    return result[1] if result is not None and len(result[1]) >= 2 else None


def decompound(word: str, *, head_fallback: bool = False) -> list[str]:
    """The parts of a German compound (folded, unstemmed), or [] if it is not one.

    With ``head_fallback`` (index time, German text) a word that cannot be split completely
    still yields its head when it ends in a dictionary word: ``Axialkolbenpumpe`` → ``pumpe``
    (and ``kolben``), so a search for the head finds the compound.
    """
    if len(word) < 2 * MIN_COMPOUND_PART or not word.isalpha():
        return []
    dictionary = compound_dictionary()
    stemmed = stem_german(word)
    parts = _segment(word, dictionary) or _segment(stemmed, dictionary)
    if parts:
        return parts
    if not head_fallback:
        return []
    word = stemmed
    for start in range(MIN_COMPOUND_PART, len(word) - MIN_COMPOUND_HEAD + 1):
        head = word[start:]
        if head in dictionary:
            rest = _segment(word[:start], dictionary)
            if rest is None and word[:start] in dictionary:
                rest = [word[:start]]
            return [*(rest or []), head]
    return []


# --- index side ---------------------------------------------------------------------------
def index_tokens(text: str, language: str | None) -> set[str]:
    """Tokens to index for ``text`` written in ``language`` (None: unknown/neutral)."""
    return set(index_token_set(text, language))


def index_token_set(text: str, language: str | None) -> frozenset[str]:
    """:func:`index_tokens` as a shared, cached frozenset (do not modify; for bulk builders)."""
    if not text:
        return frozenset()
    return _text_tokens(text, (language or "").split("-")[0])


# Catalog texts repeat a lot (family, category and option labels, template sentences), and
# so do words: both levels are cached, which makes a full reindex several times faster.
@lru_cache(maxsize=65536)
def _text_tokens(text: str, lang: str) -> frozenset[str]:
    tokens: set[str] = set()
    for word in set(WORD_RE.findall(fold(text))):  # each distinct word once
        tokens.update(_indexed_word_tokens(word[:MAX_TOKEN_LENGTH], lang))
    return frozenset(tokens)


@lru_cache(maxsize=262144)
def _indexed_word_tokens(word: str, lang: str) -> tuple[str, ...]:
    return _word_tokens(word, lang) if _is_indexed_word(word) else ()


def _is_indexed_word(word: str) -> bool:
    """Stop words and single letters (unit symbols: l/h, m) are neither indexed nor searched;
    single digits are (HP 3 is not HP 1)."""
    return word not in STOPWORDS and (len(word) > 1 or word.isdigit())


@lru_cache(maxsize=262144)
def _word_tokens(word: str, lang: str) -> tuple[str, ...]:
    tokens = {stem(word, lang) if lang else word}
    if not lang:
        tokens.update(stem(word, code) for code in STEMMERS)
    if lang in ("de", ""):
        for part in decompound(word, head_fallback=lang == "de"):
            tokens.add(stem_german(part))
    return tuple(t for t in tokens if t)


# --- query side ---------------------------------------------------------------------------
@dataclass(frozen=True)
class QueryWord:
    """One word of a text query and how it may match a document.

    A document matches the word when one of its tokens equals one of ``terms`` (or is within
    ``fuzziness`` edits of one, with the same first letter), or starts with ``prefix``
    (autocomplete, last word only), or when it has all ``parts`` (a compound typed by the
    user, e.g. ``Hydraulikpumpe`` matches a document saying ``Pumpe … Hydraulik``).
    """

    word: str
    terms: tuple[str, ...]
    fuzziness: int = 0
    prefix: str = ""
    parts: tuple[str, ...] = field(default_factory=tuple)


def fuzziness(term: str) -> int:
    """Edits allowed for a query term (Elasticsearch's AUTO:3,6). Terms with digits are
    technical codes (DN50, G1/2, 1.4401) and must match exactly."""
    if not term.isalpha():
        return 0
    if len(term) < 3:
        return 0
    return 1 if len(term) < 6 else 2


def analyze_query(text: str, *, autocomplete: bool = False) -> list[QueryWord]:
    """The words of a user's query, with the terms each may match (both languages' stems:
    engineers mix German and English)."""
    raw = [w for w in words(text) if _is_indexed_word(w)]
    result = []
    for position, word in enumerate(raw):
        terms = sorted({word, *(stemmer(word) for stemmer in STEMMERS.values())})
        parts = tuple(sorted({stem_german(p) for p in decompound(word)}))
        is_last = position == len(raw) - 1
        prefix = word if autocomplete and is_last and len(word) >= 2 else ""
        result.append(
            QueryWord(
                word=word,
                terms=tuple(terms),
                fuzziness=fuzziness(word),
                prefix=prefix,
                parts=parts if len(parts) >= 2 else (),
            )
        )
    return result


def damerau_levenshtein(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a transposition counts as one edit, as in
    Elasticsearch's fuzzy query); returns ``limit + 1`` as soon as it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        row_min = current[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous_previous[j - 2] + 1)
            current[j] = value
            row_min = min(row_min, value)
        if row_min > limit:
            return limit + 1
        previous_previous, previous = previous, current
    return previous[len(b)]

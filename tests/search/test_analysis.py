"""Text analysis shared by the backends."""

import pytest

from pim.search.analysis import (
    _fold_slowly,
    analyze_query,
    damerau_levenshtein,
    decompound,
    fold,
    fuzziness,
    index_tokens,
    stem_english,
    stem_german,
)


def test_folding_removes_case_accents_and_umlauts():
    assert fold("Kugelhähne Größe Café") == "kugelhahne grosse cafe"
    assert fold("ŁÓDŹ ØRSTED ﬁlter İ") == "lodz orsted filter i"
    assert fold("Ventil 中文 ä") == "ventil 中文 a"  # beyond the table: the full path


def test_the_folding_table_equals_the_full_unicode_path():
    """The one-pass table is an optimisation: for every character it covers, and for text
    mixing them, it must give what casefold + NFKD + removing combining marks gives."""
    mismatches = [cp for cp in range(0x3000) if fold(chr(cp)) != _fold_slowly(chr(cp))]
    assert mismatches == []
    samples = ["Straße – 16 bar, µm, °C", "ǅemal ΣΊΣΥΦΟΣ Ǆ", "a\u0308 e\u0301", "\u13a0\u13a1 ᏸ"]
    assert [fold(text) for text in samples] == [_fold_slowly(text) for text in samples]


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("pumpen", "pump"),
        ("pumpe", "pump"),
        ("ventile", "ventil"),
        ("kugelhahne", "kugelhahn"),
        ("dn50", "dn50"),
    ],
)
def test_german_light_stemmer(word, stem):
    assert stem_german(word) == stem


@pytest.mark.parametrize(
    ("word", "stem"),
    [("pumps", "pump"), ("valves", "valve"), ("assemblies", "assembly"), ("gas", "gas"), ("glass", "glass")],
)
def test_english_minimal_stemmer(word, stem):
    assert stem_english(word) == stem


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("hydraulikpumpe", ["hydraulik", "pumpe"]),
        ("magnetventile", ["magnet", "ventil"]),  # inflected compound
        ("druckminderventil", ["druck", "minder", "ventil"]),
        ("sicherheitsventil", ["sicherheit", "ventil"]),  # linking s
        ("ventilator", []),  # not a compound, although it starts with "ventil"
        ("pumpe", []),
    ],
)
def test_decompounding_needs_a_complete_split(word, parts):
    assert decompound(word) == parts


def test_index_time_keeps_the_head_of_unknown_compounds():
    # "axial" and "kolben" are known, but a made-up modifier still yields the head
    assert decompound("quetschpumpe") == []
    assert decompound("quetschpumpe", head_fallback=True) == ["pump"]
    tokens = index_tokens("Quetschpumpe", "de")
    assert {"quetschpump", "pump"} <= tokens


def test_english_text_is_not_decompounded():
    assert index_tokens("bearing", "en") == {"bearing"}


def test_query_words_carry_both_stems_parts_and_typo_budget():
    (word,) = analyze_query("Kolbenpumpen")
    assert word.terms == ("kolbenpump", "kolbenpumpen")
    assert word.parts == ("kolb", "pump")
    assert word.fuzziness == 2
    assert [w.word for w in analyze_query("Pumpe für Öl und Wasser")] == ["pumpe", "ol", "wasser"]
    assert analyze_query("Hydr", autocomplete=True)[0].prefix == "hydr"


def test_no_typos_for_codes_and_short_words():
    assert fuzziness("dn50") == 0
    assert fuzziness("ab") == 0
    assert fuzziness("ring") == 1
    assert fuzziness("kugelhahn") == 2


def test_distance_counts_a_transposition_as_one_edit():
    assert damerau_levenshtein("kondensat", "kondesnat", 2) == 1
    assert damerau_levenshtein("pumpe", "pumpe", 2) == 0
    assert damerau_levenshtein("pumpe", "ventil", 2) == 3  # limit + 1 once over the limit

"""The catalog: what each check counts, in words."""

from oncall.config import catalog


def test_counted_units():
    assert catalog.counted(1, "months") == "1 month"
    assert catalog.counted(2_000, "surplus rows") == "2,000 surplus rows"


def test_every_check_has_a_plural_unit():
    assert set(catalog.CHECK_UNITS) == set(catalog.CHECK_IDS)
    assert all(unit.endswith("s") for unit in catalog.CHECK_UNITS.values())

"""etl.provinces: a province name matches its unit however a portal writes it."""

from __future__ import annotations

import shutil
import unicodedata

import pytest

from etl import provinces, settings


@pytest.mark.parametrize(
    ("written", "unit"),
    [
        ("Nghệ An", "Nghệ An"),
        ("tỉnh Nghệ An", "Nghệ An"),
        ("Tỉnh ủy Nghệ An", "Nghệ An"),
        ("NGHỆ AN", "Nghệ An"),
        ("Nghe An", "Nghệ An"),
        ("Thanh Hoá", "Thanh Hóa"),
        ("Khánh Hoà", "Khánh Hòa"),
        ("Tỉnh Hoà Bình", "Hòa Bình"),
        ("TP. Hồ Chí Minh", "Hồ Chí Minh"),
        ("Thành phố Hồ Chí Minh", "Hồ Chí Minh"),
        ("TP.HCM", "Hồ Chí Minh"),
        ("TPHCM", "Hồ Chí Minh"),
        ("TP Hải Phòng", "Hải Phòng"),
        ("Thành phố Huế", "Huế"),
        ("Thừa Thiên - Huế", "Thừa Thiên Huế"),
        ("Bà Rịa–Vũng Tàu", "Bà Rịa - Vũng Tàu"),
        ("Đắc Lắc", "Đắk Lắk"),
        ("Dak Lak", "Đắk Lắk"),
        ("Bắc Cạn", "Bắc Kạn"),
        ("  Hà   Giang ", "Hà Giang"),
    ],
)
def test_a_name_matches_its_unit_however_it_is_written(written, unit):
    assert provinces.match(written) == unit
    assert provinces.match(unicodedata.normalize("NFD", written)) == unit


def test_every_unit_of_the_reorganisation_matches_itself():
    rows = provinces.seed_rows()
    names = {row["old_name"] for row in rows} | {row["new_name"] for row in rows}

    assert len({row["old_name"] for row in rows}) == 63 and len({row["new_name"] for row in rows}) == 34
    assert {name: provinces.match(name) for name in names} == {name: name for name in names}
    assert len({provinces.name_key(name) for name in names}) == len(names)


def test_names_of_no_unit_match_nothing():
    assert provinces.match("Hà Tây") is None
    assert provinces.match("") is None
    assert provinces.match(None) is None
    assert provinces.match("Tỉnh") is None


def test_the_key_drops_case_diacritics_prefixes_and_punctuation():
    assert provinces.name_key("Tỉnh Thanh Hoá") == provinces.name_key("thanh hóa") == "thanhhoa"
    assert provinces.name_key("Thành phố Thanh Hóa") == "thanhhoa"
    assert provinces.name_key("Thanh Hóa") != provinces.name_key("Thanh Hải")


def test_an_alias_to_no_unit_is_an_error_naming_the_file(tmp_path, monkeypatch):
    sql_dir = tmp_path / "sql"
    shutil.copytree(settings.SQL_DIR, sql_dir)
    aliases = sql_dir / "mart" / "seeds" / "province_aliases.csv"
    aliases.write_text(aliases.read_text(encoding="utf-8") + "Hà Tây,Hà Tây\n", encoding="utf-8")
    monkeypatch.setattr(settings, "SQL_DIR", sql_dir)

    with pytest.raises(provinces.ProvinceError, match=r"province_aliases.csv: 'Hà Tây' names no unit"):
        provinces.match("Nghệ An")

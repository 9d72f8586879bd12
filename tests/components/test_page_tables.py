"""Table previews turn any readable table into Arrow once, whatever its columns hold."""

from pathlib import Path

import pandas as pd

from components.render.tables import preview_file, preview_of


def test_a_mixed_column_is_shown_as_text_and_the_others_keep_their_types():
    preview = preview_of(pd.DataFrame({"a": [1, [2, 3], "x"], "b": [1.0, None, 2.0]}))
    assert preview.head.column("a").to_pylist() == ["1", "[2, 3]", "x"]
    assert preview.head.column("b").to_pylist() == [1.0, None, 2.0]
    assert preview.dtypes == (("a", "object"), ("b", "float64"))


def test_repeated_and_numeric_column_names_are_kept_apart():
    assert preview_of(pd.DataFrame([[1, 2, 3]], columns=["x", "x", 7])).head.column_names == [
        "x",
        "x.1",
        "7",
    ]


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_the_preview_holds_the_first_rows_and_the_full_shape(tmp_path: Path):
    csv = "n\n" + "\n".join(str(i) for i in range(50))
    preview = preview_file(".csv", _file(tmp_path, "n.csv", csv.encode()))
    assert (preview.rows, preview.columns, preview.head.num_rows) == (50, 1, 10)


def test_a_malformed_file_gives_a_sentence_not_an_exception(tmp_path: Path):
    assert isinstance(preview_file(".parquet", _file(tmp_path, "x.parquet", b"not parquet")), str)
    assert isinstance(preview_file(".json", _file(tmp_path, "x.json", b'"just a string"')), str)


def test_values_are_shown_as_written_in_the_file(tmp_path: Path):
    """A zip code keeps its leading zero, a whole number in a column with blanks stays
    whole, and a Latin-1 or UTF-16 file is read in its own encoding."""
    rows = "zip,count,city\n08123,3,Málaga\n10115,,Köln\n"
    for encoding in ("utf-8", "latin-1", "utf-16"):
        path = _file(tmp_path, f"t-{encoding}.csv", rows.encode(encoding))
        preview = preview_file(".csv", path)
        assert not isinstance(preview, str), preview
        assert preview.head.column("zip").to_pylist() == ["08123", "10115"]
        assert preview.head.column("count").to_pylist() == ["3", ""]
        assert preview.head.column("city").to_pylist() == ["Málaga", "Köln"]
        assert dict(preview.dtypes)["zip"] == "identifier"

"""Table previews turn any readable table into Arrow once, whatever its columns hold."""

import pandas as pd

from components.render.tables import preview_bytes, preview_of


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


def test_the_preview_holds_the_first_rows_and_the_full_shape():
    csv = "n\n" + "\n".join(str(i) for i in range(50))
    preview = preview_bytes(".csv", csv.encode())
    assert (preview.rows, preview.columns, preview.head.num_rows) == (50, 1, 10)


def test_a_malformed_file_gives_a_sentence_not_an_exception():
    assert isinstance(preview_bytes(".parquet", b"not parquet"), str)
    assert isinstance(preview_bytes(".json", b'"just a string"'), str)

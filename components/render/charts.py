"""Interactive charts: a step's Vega-Lite spec drawn with st.vega_lite_chart, its PNG a
toggle away, both downloadable.

A spec that does not load (invalid, too large, not JSON, no inline data once its URLs
are removed) is only a download, and its PNG shows as any image does: no error, since
the PNG already is the chart. Loaded specs are cached per blob path (blobs are
content-addressed, so a path never changes content) and handed out as JSON text, so
every draw gets its own dict.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import streamlit as st

from components.render.files import download_button, render_output_file
from components.render.format import escape_markdown, short_name
from services.charts.schema import warm_up
from services.charts.spec import ChartSpec, load_chart
from services.files.stored import StoredFile

warm_up()  # the schema loads off the page's first chart


class ChartView(StrEnum):
    INTERACTIVE = "Interactive"
    IMAGE = "Image"


SPEC_ICON = ":material/insights:"


@st.cache_resource(max_entries=256, show_spinner=False)
def _cached_chart(path: str, mtime_ns: int) -> ChartSpec | None:
    # A resource cache hands back the same frozen value without unpickling it every rerun.
    try:
        return load_chart(Path(path).read_bytes())
    except OSError:
        return None


def chart_of(file: StoredFile) -> ChartSpec | None:
    try:
        mtime = file.path.stat().st_mtime_ns
    except OSError:
        return None
    return _cached_chart(str(file.path), mtime)


def render_chart_files(spec: StoredFile, image: StoredFile | None, key: str) -> None:
    """The chart (or its PNG, as the toggle says), then a download of each file."""
    chart = chart_of(spec)
    if chart is None:
        if image is not None:
            render_output_file(image, f"{key}-{image.file_id}")
        _render_spec_download(spec, key)
        return
    image_key = f"{key}-{image.file_id}" if image is not None else ""
    show_image = image is not None and _chosen_view(f"{key}-{spec.file_id}") == ChartView.IMAGE
    if show_image or not _draw(chart, f"{key}-{spec.file_id}"):
        if image is not None:
            render_output_file(image, image_key)
    elif image is not None:
        _download(image, image_key)
    _download(spec, f"{key}-{spec.file_id}")


def _chosen_view(key: str) -> ChartView:
    return st.segmented_control(
        "Chart view",
        list(ChartView),
        default=ChartView.INTERACTIVE,
        required=True,
        key=f"{key}-view",
        label_visibility="collapsed",
    )


def _draw(chart: ChartSpec, key: str) -> bool:
    try:
        # Streamlit picks the width: the container's, or the content's for facets and
        # horizontal concatenations (which do not stretch).
        st.vega_lite_chart(chart.as_dict(), key=f"{key}-chart")
    except Exception:  # rows Streamlit cannot turn into Arrow: the PNG is the chart
        return False
    return True


def _render_spec_download(spec: StoredFile, key: str) -> None:
    if not spec.path.exists():
        st.warning(f"{escape_markdown(short_name(spec.name))} is no longer in the app's store.")
        return
    st.markdown(f"{SPEC_ICON} **{escape_markdown(short_name(spec.name))}**")
    _download(spec, f"{key}-{spec.file_id}")


def _download(file: StoredFile, key: str) -> None:
    download_button(file.name, file.size, file.file_id, file.path, file.mime_type, f"{key}-dl")

"""A step's interactive charts for the exports: each Vega-Lite spec that loads (made safe,
as the page draws it), keyed by the file it is shown with.

A spec goes with the PNG of its stem when the step made one, else it stands on its own;
a spec that does not load is exported only as the file it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.charts.pairs import chart_images
from services.charts.spec import ChartSpec, load_chart
from services.export.record import Step
from services.files.stored import StoredFile

MaybeBytes = Callable[[str], "bytes | None"]  # as in notebook.py, which imports this


@dataclass(frozen=True)
class ExportChart:
    spec_file: StoredFile
    chart: ChartSpec


def step_charts(step: Step, read: MaybeBytes) -> dict[str, ExportChart]:
    """The file id each chart is shown with (its PNG's, or the spec's own) → the chart."""
    specs = {f.file_id: f for f in step.files}
    charts: dict[str, ExportChart] = {}
    for spec_id, image in chart_images(step.files).items():
        data = read(spec_id)
        chart = load_chart(data) if data is not None else None
        if chart is not None:
            shown_with = image.file_id if image is not None else spec_id
            charts[shown_with] = ExportChart(specs[spec_id], chart)
    return charts

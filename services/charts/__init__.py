"""Interactive charts: Vega-Lite specs Claude saves beside its chart PNGs, checked and made safe."""

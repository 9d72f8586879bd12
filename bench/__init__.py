"""Benchmarks of the chat page: each compares the page with a baseline measured in the same run.

Run one with `python -m bench.<name>` (add `--quick` for a tiny size); see bench/README.md.
"""

from streamlit import config
from streamlit.logger import set_log_level

# Page modules imported outside a script run make Streamlit warn that there is no runtime
# or script context; in a benchmark that is expected, and the warnings would bury the
# figures. Setting the option keeps the level when Streamlit applies its config later.
config.set_option("logger.level", "error")
set_log_level("error")

"""The page's own style rules and its one script: constants of this module only.

Nothing here is ever built from model output or from anything a person typed; the
security test checks that every st.html call of the page passes one of these constants.
- Conversation titles in the sidebar start at the left edge whatever their length, and
  the run counter the tests read stays in the page without being seen.
- Following the answer: Streamlit scrolls only fixed-height containers by itself, and a
  fixed-height conversation box would give the page two scroll bars and hide the chat
  input's room on a phone. So the run that sends a message draws FOLLOW_SCRIPT (through
  the documented `st.html(..., unsafe_allow_javascript=True)`): it scrolls to the new
  message and keeps the answer's end in view while it streams, until the person scrolls
  up (any move up, a wheel or key up, a touch); scrolling back to the bottom follows
  again. It follows only while an answer is live (its Stop button is on the page), so
  later clicks never jump the page.
- "Show the code" on a file draws SHOW_STEP_SCRIPT once, to scroll to the step that made it.
"""

from __future__ import annotations

import streamlit as st

PAGE_CSS = """
<style>
[class*="st-key-open-"] button { justify-content: flex-start; text-align: left; }
[class*="st-key-open-"] button div { justify-content: flex-start; text-align: left; }
.st-key-run_counter, .st-key-follow_script { display: none; }
[class*="st-key-show_step_script"] { display: none; }
</style>
"""

FOLLOW_SCRIPT = """
<script>
(() => {
  const main = () => document.querySelector('.stMain');
  const live = () => document.querySelector('.st-key-stop_turn') !== null;
  const nearBottom = (el) => el.scrollHeight - el.scrollTop - el.clientHeight < 120;
  if (!window.__assistantFollow) {
    const state = { follow: true, moving: false, lastTop: 0 };
    const letGo = () => { state.follow = false; };
    const toBottom = () => {
      const el = main();
      if (!el) return;
      state.moving = true;
      el.scrollTop = el.scrollHeight;
      state.lastTop = el.scrollTop;
      requestAnimationFrame(() => { state.moving = false; });
    };
    document.addEventListener('scroll', (event) => {
      const el = main();
      if (!el || event.target !== el) return;
      // Any move up is the person's: let go at once; reaching the bottom follows again.
      if (!state.moving && el.scrollTop < state.lastTop) letGo();
      else if (nearBottom(el)) state.follow = true;
      state.lastTop = el.scrollTop;
    }, true);
    document.addEventListener('wheel', (event) => { if (event.deltaY < 0) letGo(); }, true);
    document.addEventListener('touchmove', letGo, true);
    document.addEventListener('keydown', (event) => {
      if (['PageUp', 'ArrowUp', 'Home'].includes(event.key)) letGo();
    }, true);
    new MutationObserver(() => {
      if (state.follow && live()) toBottom();
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
    window.__assistantFollow = { arm: () => { state.follow = true; toBottom(); } };
  }
  window.__assistantFollow.arm();
})();
</script>
"""


# "Show the code" on a file: bring the step that made it (drawn open, in the container
# keyed "shown_step") into view once; it may mount a moment after this script runs.
SHOW_STEP_SCRIPT = """
<script>
(() => {
  let tries = 0;
  // Scrolled to again a moment later: the pinned bottom (the composer and the upload
  // limit under it) is laid out after the step and would pull the page back down.
  const reveal = () => {
    const step = document.querySelector('.st-key-shown_step');
    if (step) {
      step.scrollIntoView({ block: 'start' });
      [300, 900].forEach((ms) => setTimeout(() => step.scrollIntoView({ block: 'start' }), ms));
      return;
    }
    if (++tries < 60) setTimeout(reveal, 50);
  };
  reveal();
})();
</script>
"""


def render_style() -> None:
    st.html(PAGE_CSS)


def follow_the_new_message() -> None:
    """Scroll to the message just sent and follow its answer (see the module's docstring)."""
    # In a hidden container: the script's empty block must not push the sidebar down.
    with st.sidebar.container(key="follow_script"):
        st.html(FOLLOW_SCRIPT, unsafe_allow_javascript=True)


def scroll_to_shown_step(count: int) -> None:
    """Scroll to the step drawn open for "Show the code" (see SHOW_STEP_SCRIPT)."""
    # Keyed by the click's number, so that each click mounts (and runs) the script anew.
    with st.sidebar.container(key=f"show_step_script_{count}"):
        st.html(SHOW_STEP_SCRIPT, unsafe_allow_javascript=True)

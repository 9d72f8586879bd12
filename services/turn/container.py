"""When a failed request means the conversation's container is gone.

`expires_at` is a rolling estimate, so the app keeps reusing a container id until a
request that carried it fails because of it: a 400 or 404 whose message names the
container, or a 500 that persisted through the retries (the API's answer for some
containers that can no longer be restored). Any other failure leaves the container alone.
"""

from __future__ import annotations

import re

from services.turn.failures import Failure

# A message about the container itself, not about the `container` parameter's format.
_CONTAINER_GONE = re.compile(
    r"container\b.*\b(expired|not found|does not exist|doesn't exist|no longer|unknown|"
    r"could not be (restored|found)|cannot be (restored|found)|unavailable|deleted|gone)",
    re.IGNORECASE | re.DOTALL,
)


def is_container_failure(failure: Failure, container_id: str) -> bool:
    if failure.status in (400, 404):
        message = failure.api_message or failure.message
        return container_id in message or bool(_CONTAINER_GONE.search(message))
    return failure.status == 500

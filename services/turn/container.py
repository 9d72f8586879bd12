"""When a failed request means the conversation's container is gone, and when it may be.

`expires_at` is a rolling estimate, so the app keeps reusing a container id until a
request that carried it fails because of it. A 400, 404 or 500 whose message names the
container (its id, or words about it being gone) says so outright: the container is
replaced at once. A generic 500 that persisted through the retries is ambiguous: a dead
container has answered that way, and so does a short outage of the API. Replacing the
container on the first one would throw away the person's files and variables for an
outage, so that turn fails and keeps the id; only when the next turn fails the same way
on the same container is it replaced. Any other failure leaves the container alone.
"""

from __future__ import annotations

import re
from enum import StrEnum

from services.turn.failures import Failure

# A message about the container itself, not about the `container` parameter's format.
_CONTAINER_GONE = re.compile(
    r"container\b.*\b(expired|not found|does not exist|doesn't exist|no longer|unknown|"
    r"could not be (restored|found)|cannot be (restored|found)|unavailable|deleted|gone)",
    re.IGNORECASE | re.DOTALL,
)
NAMING_STATUSES = frozenset({400, 404, 500})
GENERIC_SERVER_ERROR = 500

# What the person reads after the API's own words when the container was kept.
KEPT_MESSAGE = (
    "Your code environment was kept, with its files and variables: Retry continues in it. "
    "If the retry fails the same way, a fresh environment is started and your uploaded "
    "files are attached to it again."
)


class ContainerVerdict(StrEnum):
    GONE = "gone"  # the failure names the container: replace it now
    SUSPECT = "suspect"  # a generic 500 after the retries: keep it, replace it on a second
    UNRELATED = "unrelated"  # the container has nothing to do with it


def container_verdict(failure: Failure, container_id: str) -> ContainerVerdict:
    """What a failure of a request that carried `container_id` says about the container."""
    if failure.status in NAMING_STATUSES:
        message = failure.api_message or failure.message
        if container_id in message or _CONTAINER_GONE.search(message):
            return ContainerVerdict.GONE
    if failure.status == GENERIC_SERVER_ERROR:
        return ContainerVerdict.SUSPECT
    return ContainerVerdict.UNRELATED

"""Where each produced file came from: the turn and code step that made it, and the files
the person had attached to the conversation by then. Read from the stored record, so it
is the same after a reload and a restart."""

from __future__ import annotations

from dataclasses import dataclass

from services.conversation import Conversation
from services.export.record import Said, Step, read_record
from services.files.stored import StoredFile


@dataclass(frozen=True)
class Origin:
    file: StoredFile
    turn: int
    step_number: int
    step_id: str
    tool: str
    inputs: tuple[str, ...]  # names of the files attached by that turn

    @property
    def made_by(self) -> str:
        """ "turn 2, step 3 (bash)": what tells same-named files apart."""
        return f"turn {self.turn}, step {self.step_number} ({self.tool})"


def origins(conversation: Conversation) -> list[Origin]:
    """Every produced file that a stored step lists, in the order the steps made them."""
    inputs: list[str] = []
    found: list[tuple[StoredFile, Step, tuple[str, ...]]] = []
    for item in read_record(conversation):
        if isinstance(item, Said):
            inputs += [f.name for f in item.attached if f.name not in inputs]
        else:
            found += [(file, item, tuple(inputs)) for file in item.files]
    return [_origin(file, step, had) for file, step, had in found]


def _origin(file: StoredFile, step: Step, inputs: tuple[str, ...]) -> Origin:
    return Origin(file, step.turn, step.number, step.step_id, step.tool.value, inputs)

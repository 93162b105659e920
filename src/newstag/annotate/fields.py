"""The type of every field of a task or an export that newstag reads, checked where tasks
enter (a file, a live project's export, a request to the backend), so that a hand-edited or
foreign file ends in one line naming the task, the field, what was found and what was
expected, and code further in can trust the shapes.

Fields newstag does not read (Label Studio writes many) are left alone.
"""

from __future__ import annotations

from collections.abc import Callable

from newstag.errors import InputError

Check = tuple[Callable[[object], bool], str]
"""A test of one value, and how the error message names what it wants."""


def _is_text(value) -> bool:
    return isinstance(value, str)


def is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_texts(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


TEXT: Check = (_is_text, "a string")
WHOLE: Check = (is_whole, "a whole number")
SCORE: Check = (lambda value: value is None or _is_number(value), "a number or null")
FLAG: Check = (lambda value: isinstance(value, bool), "true or false")
TEXTS: Check = (_is_texts, "a list of strings")
ID: Check = (lambda value: is_whole(value) or _is_text(value), "a whole number or a string")
ANNOTATOR: Check = (lambda value: is_whole(value) or isinstance(value, str | dict), "a user id or object")

DATA = {
    "text": TEXT,
    "title": TEXT,
    "context_before": TEXT,
    "context_after": TEXT,
    "sentence_id": TEXT,
    "article_id": TEXT,
    "index": WHOLE,
    "start": WHOLE,
    "end": WHOLE,
    "source_url": TEXT,
    "outlet": TEXT,
    "date": TEXT,
    "queue_rank": WHOLE,
    "conflict": TEXT,
}
RESULT = {"type": TEXT, "from_name": TEXT, "to_name": TEXT}
VALUE = {"choices": TEXTS}
ANNOTATION = {"was_cancelled": FLAG, "ground_truth": FLAG, "completed_by": ANNOTATOR}
PREDICTION = {"model_version": TEXT, "score": SCORE}
"""Label Studio leaves a prediction's score null when its maker gave none."""
TASK = {"id": ID}
JSON_KINDS = {
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "an object",
}
LISTS = {"annotations": ANNOTATION, "drafts": ANNOTATION, "predictions": PREDICTION}
"""The task's lists of annotation-like objects, each with a `result`."""
BY_ID = {"predictions"}
"""Lists that may name their items by id: Label Studio's JSON export lists a task's
predictions as prediction ids."""


def check_tasks(tasks, source: str, fix: str) -> list[dict]:
    """`tasks` if it is a list of well-typed tasks; else an InputError naming the first bad
    field, as "<source> task <n>: <field> is <found>; expected <what>; <fix>"."""
    if not isinstance(tasks, list):
        raise InputError(
            f"{source or 'tasks'} is not a Label Studio JSON export or import file: found "
            f"{_found(tasks)}; expected a list of tasks; {fix}"
        )
    for number, task in enumerate(tasks):
        problem = _task_problem(task)
        if problem:
            raise InputError(f"{source} task {_name(task, number)}: {problem}; {fix}".lstrip())
    return tasks


def _task_problem(task) -> str | None:
    if not isinstance(task, dict):
        return f"the task is {_found(task)}; expected an object with a 'data' object"
    data = task.get("data")
    if not isinstance(data, dict):
        return f"data is {_found(data)}; expected an object with the sentence's text"
    if "text" not in data:
        return "no data.text; expected the sentence (a string)"
    problem = _fields(task, TASK, "") or _fields(data, DATA, "data.")
    for name, fields in LISTS.items():
        problem = problem or _annotations(task.get(name, []), name, fields)
    return problem


def _annotations(annotations, name: str, fields: dict[str, Check]) -> str | None:
    if not isinstance(annotations, list):
        return f"{name} is {_found(annotations)}; expected a list of objects"
    for number, annotation in enumerate(annotations):
        where = f"{name}[{number}]"
        if name in BY_ID and is_whole(annotation):
            continue
        if not isinstance(annotation, dict):
            wanted = "an object or an id" if name in BY_ID else "an object"
            return f"{where} is {_found(annotation)}; expected {wanted}"
        problem = _fields(annotation, fields, f"{where}.") or _results(annotation.get("result", []), where)
        if problem:
            return problem
    return None


def _results(results, where: str) -> str | None:
    if not isinstance(results, list):
        return f"{where}.result is {_found(results)}; expected a list of objects"
    for number, item in enumerate(results):
        at = f"{where}.result[{number}]"
        if not isinstance(item, dict):
            return f"{at} is {_found(item)}; expected an object"
        value = item.get("value", {})
        if not isinstance(value, dict):
            return f"{at}.value is {_found(value)}; expected an object"
        problem = _fields(item, RESULT, f"{at}.") or _fields(value, VALUE, f"{at}.value.")
        if problem:
            return problem
    return None


def _fields(holder: dict, fields: dict[str, Check], prefix: str) -> str | None:
    """The first field present in `holder` whose value fails its check, said in words."""
    for key, (accepts, expected) in fields.items():
        if key in holder and not accepts(holder[key]):
            return f"{prefix}{key} is {_found(holder[key])}; expected {expected}"
    return None


def _found(value, limit: int = 60) -> str:
    """A value as the message shows it: the start of its text, and its JSON kind."""
    if value is None:
        return "null"
    shown = repr(value)
    shown = shown if len(shown) <= limit else shown[: limit - 3] + "..."
    return f"{shown} ({JSON_KINDS.get(type(value), type(value).__name__)})"


def _name(task, number: int) -> str:
    """A task by its id, as Label Studio shows it, or else by its position in the file."""
    task_id = task.get("id") if isinstance(task, dict) else None
    return str(task_id) if is_whole(task_id) or _is_text(task_id) else str(number)

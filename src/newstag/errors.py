"""The project's exceptions. The library raises these; the CLI turns them into one line."""


def one_line(error: BaseException, limit: int = 300) -> str:
    """Another library's error message on one line, at most `limit` characters, to quote."""
    return " ".join(str(error).split())[:limit]


class NewstagError(Exception):
    """Base class: the message is one line that says what was received, what was expected, and the fix."""


class InputError(NewstagError):
    """An article, export or other input file cannot be read or is malformed."""


class ConfigError(NewstagError):
    """The configuration file is missing, malformed or inconsistent."""


class AnnotationError(NewstagError):
    """An annotation breaks the taxonomy or its consistency rules."""


class ModelError(NewstagError):
    """A model folder is missing, incomplete, or does not match its manifest."""


class LabelStudioError(NewstagError):
    """Label Studio is unreachable, refuses the token, or answers unexpectedly."""

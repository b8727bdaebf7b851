"""Typed reasons for a stage to decline an input. The runner records them in ``skips``."""


class Declined(Exception):
    """Base class: a stage declined an input; ``str(exc)`` is the one-line reason."""

    stage = "input"


class BadInput(Declined):
    """The input cannot be read as an article (missing, empty, binary, undecodable)."""

    stage = "read"


class NotAnArticle(Declined):
    """The input was read but holds no article body (a list page, an empty page)."""

    stage = "clean"

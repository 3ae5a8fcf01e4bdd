"""Errors a user can cause and fix. The CLI prints them as one line and exits 2."""


class UserError(Exception):
    """A problem with the user's input: a bad file, an unknown id, a wrong flag."""


class ContentError(UserError):
    """Content files failed validation; carries every problem found, each `file:line: sentence`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        first = problems[0] if problems else "invalid content"
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(first + more)

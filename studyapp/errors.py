"""Errors a user can cause and fix. The CLI prints them as one line and exits 2."""


class UserError(Exception):
    """A problem with the user's input: a bad file, an unknown id, a wrong flag.

    `where` names what was wrong when the message does not start with it (an option such as
    "--deck"); with --json the CLI reports it, else the file:line the message starts with."""

    def __init__(self, message: str = "", *, where: str | None = None):
        super().__init__(message)
        self.where = where


class ContentError(UserError):
    """Content files failed validation; carries every problem found, each `file:line: sentence`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        first = problems[0] if problems else "invalid content"
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(first + more)

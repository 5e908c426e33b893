"""The one error type of the dev tooling: a message for a person, no traceback."""


class StackError(Exception):
    """A setting or a service is wrong; the message says what and how to fix it."""

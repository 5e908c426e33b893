"""What the error pages say (``error_document_template.html``), in the page's
language.

CKAN renders every abort with the exception's ``name`` ("Not Found") and,
unless the view gave its own message, werkzeug's English description ("The
requested URL was not found on the server..."), untranslated. The theme
shows instead a title and an explanation of its own for each code, and
keeps a message that a view gave (CKAN's are translated: "Dataset not
found")."""
from __future__ import annotations

import re
from typing import Any, NamedTuple

import ckan.plugins.toolkit as tk
from werkzeug.exceptions import default_exceptions

SERVER_ERROR = 500
# What CKAN's error handler passes for an exception that is not an HTTP error.
_CKAN_SERVER_ERROR_TEXT = "Internal server error"
# CKAN's h.get_page_number aborts with this text outside gettext (?page=abc).
_CKAN_NOT_A_PAGE = re.compile(r'"(\w+)" parameter must be a positive integer')


class ErrorPage(NamedTuple):
    code: int
    title: str
    message: str


def _titles() -> dict[int, str]:
    return {
        400: tk._("The request is not valid"),
        401: tk._("Sign in to see this page"),
        403: tk._("Access denied"),
        404: tk._("Page not found"),
        405: tk._("This page cannot be used this way"),
        409: tk._("The request conflicts with the current data"),
        413: tk._("The file sent is too large"),
        429: tk._("Too many requests"),
        500: tk._("Something went wrong"),
        503: tk._("The portal is not available at the moment"),
    }


def _explanations() -> dict[int, str]:
    return {
        403: tk._("You are not allowed to see this page."),
        404: tk._("The page you asked for does not exist, or no longer exists. "
                  "It may have been moved: search the data or choose a section below."),
        429: tk._("You have sent too many requests in a short time. Please wait a minute and try again."),
        500: tk._("An error occurred on our side. It has been recorded; please try again later."),
        503: tk._("The portal is not available at the moment. Please try again in a few minutes."),
    }


def _code(code: Any) -> int:
    if isinstance(code, (list, tuple)):  # CKAN passes [500] for an unexpected exception
        code = code[0] if code else SERVER_ERROR
    try:
        return int(code)
    except (TypeError, ValueError):
        return SERVER_ERROR


def _generic(code: int, content: Any) -> bool:
    """Whether ``content`` is no message of a view's: empty, werkzeug's
    description of the code or CKAN's text for an unexpected exception."""
    text = str(content or "").strip()
    default = default_exceptions.get(code)
    return not text or text == _CKAN_SERVER_ERROR_TEXT or (default is not None and text == default.description)


def issy_error_page(code: Any, content: Any = "") -> ErrorPage:
    """The error page's title and message for ``code`` and CKAN's ``content``."""
    number = _code(code)
    title = _titles().get(number) or tk._("Error {code}").format(code=number)
    not_a_page = _CKAN_NOT_A_PAGE.fullmatch(str(content or "").strip())
    if not_a_page:
        message = tk._('The "{parameter}" parameter must be a whole number from 1.').format(
            parameter=not_a_page.group(1))
    elif _generic(number, content):
        message = _explanations().get(number) or tk._("The request could not be completed.")
    else:
        message = str(content)
    return ErrorPage(number, title, message)

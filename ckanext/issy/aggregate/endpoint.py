"""``GET /api/issy/aggregate``: the action ``issy_aggregate`` at an address
a chart can fetch and a permalink can hold (the structured parameters are
JSON). Every failure is a JSON answer with a 4xx status (503 while the
data is being rewritten) and a sentence in the page's language; nothing a
visitor sends gives a 500. ``answer`` serves
the map data's addresses (``geo/endpoint.py``) the same way."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, jsonify

from ckanext.issy.aggregate.cache import NotReady, RateLimited
from ckanext.issy.aggregate.request import STRUCTURED, decode
from ckanext.issy.language import _

blueprint = Blueprint("issy_aggregate", __name__)


def _error(status: int, message: str, field: str | None = None) -> tuple[Response, int]:
    error: dict[str, Any] = {"message": message}
    if field:
        error["field"] = field
    return jsonify({"success": False, "error": error}), status


def _message(error: tk.ValidationError) -> str:
    """The first message of a refusal."""
    messages = next(iter(error.error_dict.values()), [""])
    return messages[0] if isinstance(messages, list) else str(messages)


def _context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def answer(action: str, structured: Sequence[str]) -> Any:
    """The action's result for this GET request's parameters (``structured``
    ones JSON), or its refusal as a JSON error."""
    try:
        result = tk.get_action(action)(_context(), decode(tk.request.args.to_dict(), structured))
    except (RateLimited, NotReady) as error:  # before ValidationError, which they are
        response, status = _error(429 if isinstance(error, RateLimited) else 503, _message(error))
        response.headers["Retry-After"] = str(error.retry_after)
        return response, status
    except tk.ValidationError as error:
        return _error(400, _message(error), next(iter(error.error_dict), ""))
    except tk.NotAuthorized:
        return _error(403, _("You are not allowed to read this resource's data."))
    except tk.ObjectNotFound as error:
        return _error(404, str(error.message or "") or _("This resource does not exist."))
    # CKAN's own Cache-Control applies: "private" for signed-in users, the
    # only ones who may read a private dataset's data.
    return jsonify({"success": True, "result": result})


def aggregate() -> Any:
    return answer("issy_aggregate", STRUCTURED)


blueprint.add_url_rule("/api/issy/aggregate", view_func=aggregate, methods=["GET"])

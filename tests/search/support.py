"""Helpers shared by the search tests."""
from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa

import ckan.model as model
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.issy.search.schema import index_table


def search(user: Optional[dict[str, Any]] = None, **params: Any) -> dict[str, Any]:
    """``package_search`` as ``user`` (with their permission labels), or
    with CKAN's test default (ignore_auth, which sees everything)."""
    context = None if user is None else {"user": user["name"], "ignore_auth": False}
    return call_action("package_search", context=context, **params)


def names(result: dict[str, Any]) -> list[str]:
    return [dataset["name"] for dataset in result["results"]]


def found(name: str, user: Optional[dict[str, Any]] = None, **params: Any) -> bool:
    """Whether the very next search for ``name`` finds the dataset."""
    return name in names(search(user, fq=f'name:"{name}"', **params))


def index_row(dataset_id: str) -> Optional[Any]:
    model.Session.remove()
    query = sa.select(index_table).where(index_table.c.id == dataset_id)
    return model.Session.execute(query).first()


def dataset(name: str, title: str, owner: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A dataset with no description unless given: CKAN's factory writes
    random English words there, which a free-text query may match."""
    fields.setdefault("notes", "")
    return factories.Dataset(name=name, title=title, owner_org=owner["id"], **fields)


def member(organization: dict[str, Any], capacity: str = "member") -> dict[str, Any]:
    user = factories.User()
    call_action("organization_member_create", id=organization["id"],
                username=user["name"], role=capacity)
    return user


def csv(name: str) -> dict[str, Any]:
    return {"url": f"https://data.issy.com/{name}.csv", "format": "CSV",
            "name": name}


def act(action: str, **data: Any) -> Any:
    """Call ``action`` as the site user: the activity plugin records a real
    user for every dataset change."""
    site_user = call_action("get_site_user")["name"]
    return call_action(action, context={"user": site_user}, **data)


def patch(name_or_id: str, **fields: Any) -> dict[str, Any]:
    return act("package_patch", id=name_or_id, **fields)

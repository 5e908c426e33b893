"""Malformed or hostile q/fq/sort are refused with a message (HTTP 400, or
409 where CKAN itself refuses), never a 500, and never reach SQL."""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import ckan.model as model

from ckanext.issy.search.errors import InvalidQuery
from ckanext.issy.search.query import LuceneCompiler
from tests.search.support import dataset

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

INJECTION = "'; DROP TABLE package; --"


def api_search(app: Any, **params: Any) -> Any:
    return app.get("/api/3/action/package_search", query_string=params)


@pytest.mark.parametrize("params, message", [
    ({"q": '"budget primitif'}, "Requête illisible"),
    ({"q": "(budget primitif"}, "Requête illisible"),
    ({"q": "tags:(budget"}, "Requête illisible"),
    ({"fq": 'tags:"budget'}, "Requête illisible"),
    ({"fq": "tags:budget)"}, "Requête illisible"),
    ({"q": INJECTION}, "Requête illisible"),
    ({"fq": INJECTION}, "Requête illisible"),
    ({"fq": "theme:finances"}, "Champ de recherche inconnu : « theme »"),
    ({"q": "tags:budget AND couleur:rouge"}, "Champ de recherche inconnu : « couleur »"),
    ({"fq": "name:budjet~2"}, "Syntaxe de requête non prise en charge"),
    ({"fq": "metadata_modified:[hier TO NOW]"}, "« hier » n’est pas une date"),
    ({"fq": "views_total:beaucoup"}, "contient des nombres entiers"),
    ({"fq": "title:[a TO z]"}, "Les intervalles ne sont pas pris en charge"),
    ({"fq": "tags:(budget name:x)"}, "à l’intérieur du champ"),
    ({"sort": "title_string sideways"}, "Paramètre « sort » invalide"),
    ({"sort": "tags asc"}, "impossible de trier sur le champ multivalué ou texte"),
])
def test_invalid_queries_answer_400_with_a_message(
        app: Any, issy: dict[str, Any], params: dict[str, str], message: str) -> None:
    response = api_search(app, **params)
    assert response.status_code == 400
    error = response.json["error"]
    assert error["__type"] == "Search Query Error"
    assert message in error["message"]


def test_local_parameters_are_refused_by_ckan_itself(app: Any, issy: dict[str, Any]) -> None:
    response = api_search(app, q="{!lucene}budget")
    assert response.status_code == 409
    assert "Local parameters are not supported" in response.json["error"]["message"]


def test_sql_in_a_value_is_only_a_value(app: Any, issy: dict[str, Any]) -> None:
    dataset("budget-primitif-2024", "Budget primitif 2024", issy)
    for params in ({"fq": f'name:"{INJECTION}"'},
                   {"q": f'title:"{INJECTION}"'},
                   {"q": "budget'; DELETE FROM package;"}):
        response = api_search(app, **params)
        assert response.status_code == 200
        assert response.json["result"]["count"] == 0
    assert model.Session.execute(
        sa.text("SELECT count(*) FROM package")).scalar_one() == 1


def test_the_dataset_page_explains_an_invalid_query_in_the_page_language(
        app: Any, issy: dict[str, Any]) -> None:
    french = app.get("/dataset/", query_string={"q": '"budget'})
    english = app.get("/en/dataset/", query_string={"q": '"budget'})

    assert french.status_code == english.status_code == 400
    assert "Requête illisible" in french.body
    assert "Cannot parse query" in english.body


def test_user_text_never_becomes_sql() -> None:
    condition = LuceneCompiler().compile(
        f'name:"{INJECTION}" OR tags:x* OR extras_theme:"{INJECTION}"'
    ).condition
    compiled = condition.compile(dialect=postgresql.dialect())
    assert "DROP" not in str(compiled)
    assert INJECTION in compiled.params.values()


def test_unknown_fields_are_named(issy: dict[str, Any]) -> None:
    # Outside a web request, in the site's language (ckan.locale_default).
    with pytest.raises(InvalidQuery, match="Champ de recherche inconnu\u00a0: «\u00a0frequence\u00a0»"):
        LuceneCompiler().compile("frequence:annuelle")

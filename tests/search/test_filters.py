"""q, fq, fq_list, rows/start, fl and sort, as CKAN and its extensions send
them, answered from the PostgreSQL index."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import search as search_index
from ckan.lib.search import common as search_common
from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests.search.support import dataset, names, patch, search
from tests.support.sql import statements

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")

ALL = {
    "elections-municipales-2020", "budget-primitif-2024",
    "stationnement-payant", "parkings-souterrains", "arbres-remarquables",
}


def found_by(**params: Any) -> set[str]:
    return set(names(search(rows=100, **params)))


@pytest.mark.parametrize("q", ["", "*:*", '""'])
def test_an_empty_or_match_all_q_finds_every_dataset(catalogue: Any, q: str) -> None:
    assert found_by(q=q) == ALL


@pytest.mark.parametrize("q", ["elections", "ÉLECTIONS", "Élections", "électIONS"])
def test_free_text_ignores_accents_and_case(catalogue: Any, q: str) -> None:
    assert found_by(q=q) == {"elections-municipales-2020"}


def test_free_text_searches_notes_tags_and_resource_names(catalogue: Any) -> None:
    assert found_by(q="bureau") == {"elections-municipales-2020"}
    assert found_by(q="finances") == {"budget-primitif-2024"}
    assert found_by(q="annexes") == {"budget-primitif-2024"}


def test_free_text_requires_every_word(catalogue: Any) -> None:
    assert found_by(q="stationnement tarifs") == {"stationnement-payant"}
    assert found_by(q="stationnement élections") == set()


def test_free_text_excludes_words_with_a_minus(catalogue: Any) -> None:
    assert found_by(q="stationnement -tarifs") == {"parkings-souterrains"}


def test_a_quoted_phrase_must_appear_as_such(catalogue: Any) -> None:
    assert found_by(q='"premier tour"') == {"elections-municipales-2020"}
    assert found_by(q='"tour premier"') == set()


def test_field_value_in_q_uses_the_fq_fields(catalogue: Any) -> None:
    assert found_by(q="tags:budget") == {"budget-primitif-2024", "stationnement-payant"}
    assert found_by(q="tags:budget AND organization:grand-paris-seine-ouest") == {
        "stationnement-payant"
    }


@pytest.mark.parametrize("fq, expected", [
    ('tags:"budget"', {"budget-primitif-2024", "stationnement-payant"}),
    ('tags:"élections"', {"elections-municipales-2020"}),
    ('res_format:"CSV"', {"elections-municipales-2020", "budget-primitif-2024",
                          "parkings-souterrains"}),
    ('res_format:"GeoJSON"', {"stationnement-payant"}),
    ("organization:grand-paris-seine-ouest", {"stationnement-payant",
                                               "parkings-souterrains"}),
    ('groups:"mobilite"', {"stationnement-payant", "parkings-souterrains"}),
    ("license_id:odc-odbl", {"elections-municipales-2020",
                             "budget-primitif-2024"}),
    ('extras_theme:"finances"', {"budget-primitif-2024"}),
    ("extras_theme:citoyennete", {"elections-municipales-2020"}),
    ('name:"arbres-remarquables"', {"arbres-remarquables"}),
    ("name:parkings*", {"parkings-souterrains"}),
    ("+dataset_type:dataset", ALL),
    ('+site_id:"issy-test"', ALL),
    ('+site_id:"another-site"', set()),
    ("+capacity:public", ALL),
    ("+state:(active OR draft)", ALL),
    ('tags:"budget" res_format:"CSV"', {"budget-primitif-2024"}),
    ("tags:(budget OR environnement)", {"budget-primitif-2024",
                                        "stationnement-payant",
                                        "arbres-remarquables"}),
    ("-tags:stationnement", {"elections-municipales-2020",
                             "budget-primitif-2024", "arbres-remarquables"}),
    ("tags:budget -organization:grand-paris-seine-ouest", {"budget-primitif-2024"}),
    ("num_resources:[2 TO *]", {"budget-primitif-2024"}),
    ("title:souterrains", {"parkings-souterrains"}),
    ('notes:"bureau de vote"', {"elections-municipales-2020"}),
    ("res_name:annexes", {"budget-primitif-2024"}),
])
def test_fq_filters_on_the_fields_ckan_and_extensions_use(
        catalogue: Any, fq: str, expected: set[str]) -> None:
    assert found_by(fq=fq) == expected


def test_fq_by_id(catalogue: Any) -> None:
    budget = catalogue["budget"]
    assert found_by(fq=f'id:"{budget["id"]}"') == {"budget-primitif-2024"}


def test_fq_list_entries_all_apply(catalogue: Any) -> None:
    assert found_by(fq='res_format:"CSV"',
                    fq_list=['organization:"ville-d-issy-les-moulineaux"',
                             "-tags:budget"]) == {"elections-municipales-2020"}


def test_a_purely_negative_fq_list_entry_excludes_only_its_matches(
        catalogue: Any, issy: dict[str, Any]) -> None:
    # ckanext-dcat's catalogue filter.
    dataset("carte-des-bureaux", "Carte des bureaux de vote", issy,
            type="visualisation")
    assert "carte-des-bureaux" in found_by()
    assert found_by(fq_list=["-dataset_type:visualisation"]) == ALL


def test_a_date_range_up_to_now_filters_on_metadata_modified(catalogue: Any) -> None:
    budget = model.Package.get("budget-primitif-2024")
    budget.metadata_modified = dt.datetime(2019, 5, 1, 12, 0)
    model.Session.commit()
    patch(budget.id, notes="Budget voté.")
    # package_patch sets metadata_modified to now: move it back again.
    budget = model.Package.get("budget-primitif-2024")
    budget.metadata_modified = dt.datetime(2019, 5, 1, 12, 0)
    model.Session.commit()
    from ckan.lib.search import rebuild
    rebuild(budget.id)
    old = "metadata_modified:[* TO 2020-01-01T00:00:00Z]"
    recent = "metadata_modified:[2020-01-01T00:00:00Z TO NOW]"
    assert found_by(fq=old) == {"budget-primitif-2024"}
    assert found_by(fq=recent) == ALL - {"budget-primitif-2024"}
    assert found_by(fq="metadata_modified:[NOW-1DAY TO NOW+1DAY]") == ALL - {
        "budget-primitif-2024"}


def test_rows_and_start_page_through_the_sorted_results(catalogue: Any) -> None:
    pages = [
        names(search(sort="name asc", rows=2, start=start))
        for start in (0, 2, 4)
    ]
    assert pages == [
        ["arbres-remarquables", "budget-primitif-2024"],
        ["elections-municipales-2020", "parkings-souterrains"],
        ["stationnement-payant"],
    ]
    assert search(rows=2)["count"] == 5


@pytest.mark.parametrize("rows, start", [(10, 0), (5, 0), (2, 0), (2, 4), (2, 5), (2, 8), (5, 5)])
def test_the_count_is_exact_whether_the_page_is_full_short_or_past_the_end(
        catalogue: Any, rows: int, start: int) -> None:
    # Without facets (CKAN's package_show, extensions' own searches) a short page gives the count.
    response = search_common.make_connection().search(q="*:*", fq="+dataset_type:dataset", rows=rows, start=start, sort="name asc")
    assert response.hits == 5
    assert [doc["name"] for doc in response.docs] == sorted(ALL)[start:start + rows]


def test_reading_one_dataset_from_the_index_counts_nothing(catalogue: Any) -> None:
    with statements() as run:  # package_show's read of the index
        document = search_index.show(catalogue["budget"]["id"])
    assert document["name"] == "budget-primitif-2024"
    assert len(run) == 1 and "count(" not in run[0].lower()


def test_reading_one_dataset_by_id_or_name_gives_the_document_a_search_gives(catalogue: Any) -> None:
    searched = search_common.make_connection().search(
        q='name:"budget-primitif-2024"', fq=f'+site_id:"{tk.config.get("ckan.site_id")}"', rows=1).docs[0]
    by_id, by_name = (search_index.show(reference)
                      for reference in (catalogue["budget"]["id"], "budget-primitif-2024"))
    assert by_id == by_name == searched
    assert {"validated_data_dict", "data_dict"} <= set(by_id)


@pytest.mark.parametrize("reference", ["budget-inconnu", 'budget-primitif-2024" OR name:"*'])
def test_reading_an_unknown_dataset_from_the_index_is_a_search_error(catalogue: Any, reference: str) -> None:
    with pytest.raises(search_common.SearchError, match="not found"):
        search_index.show(reference)


def test_rows_zero_returns_the_count_only(catalogue: Any) -> None:
    result = search(rows=0)
    assert result["count"] == 5
    assert result["results"] == []


def test_fl_returns_only_the_requested_fields(catalogue: Any) -> None:
    [result] = search(fq="name:budget-primitif-2024",
                      fl="id,name,extras_theme")["results"]
    # The tracking plugin adds its summary to every result.
    result.pop("tracking_summary", None)
    assert result == {
        "id": catalogue["budget"]["id"],
        "name": "budget-primitif-2024",
        "theme": "Finances publiques",
    }


def test_results_are_the_validated_dataset_dicts(catalogue: Any) -> None:
    result = search(fq="name:budget-primitif-2024")["results"][0]
    shown = call_action("package_show", id="budget-primitif-2024")
    assert result["title"] == shown["title"] == "Budget primitif 2024"
    assert result["organization"]["title"] == "Ville d'Issy-les-Moulineaux"
    assert [r["format"] for r in result["resources"]] == ["CSV", "CSV", "JSON"]


def test_use_default_schema_returns_the_raw_data_dict(catalogue: Any) -> None:
    result = search(fq="name:budget-primitif-2024", use_default_schema=True)
    assert result["results"][0]["name"] == "budget-primitif-2024"


@pytest.mark.parametrize("sort, expected", [
    ("name asc", ["arbres-remarquables", "budget-primitif-2024",
                  "elections-municipales-2020", "parkings-souterrains",
                  "stationnement-payant"]),
    ("name desc", ["stationnement-payant", "parkings-souterrains",
                   "elections-municipales-2020", "budget-primitif-2024",
                   "arbres-remarquables"]),
    # "Élections" sorts among the E, not after Z as in byte order.
    ("title_string asc", ["arbres-remarquables", "budget-primitif-2024",
                          "elections-municipales-2020",
                          "parkings-souterrains", "stationnement-payant"]),
    ("title_string desc", ["stationnement-payant", "parkings-souterrains",
                           "elections-municipales-2020",
                           "budget-primitif-2024", "arbres-remarquables"]),
])
def test_sort_on_name_and_title(catalogue: Any, sort: str, expected: list[str]) -> None:
    assert names(search(sort=sort)) == expected


def test_sort_on_creation_and_modification_dates(catalogue: Any) -> None:
    created = ["elections-municipales-2020", "budget-primitif-2024",
               "stationnement-payant", "parkings-souterrains",
               "arbres-remarquables"]
    assert names(search(sort="metadata_created asc")) == created
    assert names(search(sort="metadata_created desc")) == created[::-1]
    patch("budget-primitif-2024", notes="Voté le 12 avril.")
    assert names(search(sort="metadata_modified desc"))[0] == "budget-primitif-2024"
    assert names(search(sort="metadata_modified asc"))[-1] == "budget-primitif-2024"
    # CKAN's default sort: score (equal here), then last modified.
    assert names(search())[0] == "budget-primitif-2024"


def test_sort_on_tracking_views(catalogue: Any, cli: Any) -> None:
    from ckan.cli.cli import ckan
    from ckanext.tracking.model import TrackingSummary

    for name, total, recent in [("arbres-remarquables", 40, 2),
                                ("stationnement-payant", 10, 9),
                                ("budget-primitif-2024", 25, 5)]:
        TrackingSummary.create(
            url=f"/dataset/{name}", package_id=model.Package.get(name).id,
            tracking_type="page", count=recent, running_total=total,
            recent_views=recent, tracking_date=dt.date.today(),
        )
    result = cli.invoke(ckan, ["search-index", "rebuild", "-q"])
    assert result.exit_code == 0, result.output
    assert names(search(sort="views_recent desc", rows=3)) == [
        "stationnement-payant", "budget-primitif-2024", "arbres-remarquables"]
    assert names(search(sort="views_total desc", rows=3)) == [
        "arbres-remarquables", "budget-primitif-2024", "stationnement-payant"]


def test_draft_and_private_flags_widen_what_a_sysadmin_finds(
        catalogue: Any, issy: dict[str, Any]) -> None:
    dataset("effectifs-municipaux", "Effectifs municipaux", issy, private=True)
    dataset("plan-velo", "Plan vélo", issy, state="draft")
    sysadmin = factories.Sysadmin()
    assert found_by() == ALL
    assert "effectifs-municipaux" in set(names(search(sysadmin, include_private=True)))
    assert "plan-velo" in set(names(search(sysadmin, include_drafts=True)))
    assert "plan-velo" not in set(names(search(sysadmin, include_private=True)))

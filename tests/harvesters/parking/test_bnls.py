"""The national description of car parks (BNLS, schema-stationnement 0.1.5)
read as the sites of one commune: Issy's three garages among its
neighbours'; the rows left out, and the columns a site needs."""
from __future__ import annotations

from pathlib import Path

import pytest

from ckanext.issy.harvesters.core.reading import ReadError, iter_csv
from ckanext.issy.harvesters.parking_feeds.bnls import read_bnls
from ckanext.issy.harvesters.parking_feeds.model import GARAGE, Poll, Site

# The messages are checked in English, whatever the French catalogue says.
pytestmark = [pytest.mark.ckan_config("ckan.locale_default", "en"), pytest.mark.usefixtures("ckan_config")]

HEADER = ("id,nom,insee,adresse,url,type_usagers,gratuit,nb_places,nb_pr,nb_pmr,nb_voitures_electriques,nb_velo,"
          "nb_2r_el,nb_autopartage,nb_2_rm,nb_covoit,hauteur_max,num_siret,Xlong,Ylat,tarif_pmr,tarif_1h,tarif_2h,"
          "tarif_3h,tarif_4h,tarif_24h,abo_resident,abo_non_resident,type_ouvrage,info")
ROWS = {
    "centre-ville": '92040-P-001,CENTRE VILLE,92040,"3 rue Aristide Briand, 92130, Issy-les-Moulineaux",,tous,false,'
                    "520,0,12,8,20,,2,,,190,38226398500019,2.2704,48.8239,normal_payant,2.6,4.8,6.9,8.8,24,90,140,"
                    "ouvrage,",
    "vanves": '92075-P-001,MAIRIE DE VANVES,92075,"Rue Mary Besseyre, 92170, Vanves",,tous,false,'
              "180,0,4,2,,,,,,200,21920075000014,2.2893,48.8213,gratuit,2,3.8,5.4,7,18,,,ouvrage,",
    "epinettes": '92040-P-002,LES EPINETTES,92040,"Rue des Epinettes, 92130, Issy-les-Moulineaux",,tous,false,'
                 "310,0,7,4,10,,,,,200,38226398500019,2.2585,48.8225,normal_payant,2.4,4.5,6.3,8,22,,,ouvrage,",
    "corentin-celton": "92040-P-003,CORENTIN CELTON,92040,,,abonnés,false,280,,6,,,,,,,N/A,38226398500019,"
                       "2.2790,48.8270,,,,,,,,,ouvrage,",
}
CENTRE_VILLE = Site("92040-P-001", "CENTRE VILLE", GARAGE, 520, 48.8239, 2.2704)
EPINETTES = Site("92040-P-002", "LES EPINETTES", GARAGE, 310, 48.8225, 2.2585)
CORENTIN_CELTON = Site("92040-P-003", "CORENTIN CELTON", GARAGE, 280, 48.827, 2.279)


def _read(tmp_path: Path, rows: list[str], header: str = HEADER, insee: str = "92040") -> Poll:
    path = tmp_path / "stationnement.csv"
    path.write_text("".join(line + "\n" for line in [header, *rows]), encoding="utf-8")
    with iter_csv(path, path.name) as stream:
        return read_bnls(stream, insee, path.name)


def test_the_garages_of_the_commune_are_its_sites_without_observations(tmp_path: Path) -> None:
    poll = _read(tmp_path, list(ROWS.values()))

    assert poll.sites == {"92040-P-001": CENTRE_VILLE, "92040-P-002": EPINETTES, "92040-P-003": CORENTIN_CELTON}
    assert (poll.observations, poll.problems) == ([], [])


def test_another_commune_gives_its_own(tmp_path: Path) -> None:
    poll = _read(tmp_path, list(ROWS.values()), insee=" 92075 ")
    assert list(poll.sites) == ["92075-P-001"] and poll.sites["92075-P-001"].capacity == 180


def test_a_code_that_lost_its_leading_zero_is_still_its_commune(tmp_path: Path) -> None:
    row = ROWS["vanves"].replace("92075-P-001", "01004-P-001").replace(",92075,", ",1004,")
    assert list(_read(tmp_path, [row], insee="01004").sites) == ["01004-P-001"]


def test_a_decimal_comma_and_empty_places_or_coordinates_are_read(tmp_path: Path) -> None:
    rows = [ROWS["centre-ville"].replace("2.2704,48.8239", '"2,2704","48,8239"'),
            ROWS["epinettes"].replace(",310,", ",,").replace("2.2585,48.8225", ","),
            ROWS["corentin-celton"].replace(",CORENTIN CELTON,", ",,").replace("2.2790,48.8270", "2.2790,")]
    poll = _read(tmp_path, rows)

    assert poll.sites == {"92040-P-001": CENTRE_VILLE, "92040-P-002": Site("92040-P-002", "LES EPINETTES", GARAGE),
                          "92040-P-003": Site("92040-P-003", "92040-P-003", GARAGE, 280)}
    assert poll.problems == []


@pytest.mark.parametrize("old, new, problem", [
    (",520,", ",beaucoup,", '"nb_places": "beaucoup" is not a number of spaces'),
    (",520,", ",-2,", '"nb_places": "-2" is not a number of spaces'),
    (",520,", ",52.5,", '"nb_places": "52.5" is not a number of spaces'),
    ("2.2704,48.8239", "2.2704,148.8239", '"Ylat, Xlong": "148.8239, 2.2704" is not a point (latitude, longitude)'),
    ("2.2704,48.8239", "2°16',48.8239", '"Ylat, Xlong": "48.8239, 2°16\'" is not a point (latitude, longitude)'),
    ("92040-P-001,", ",", '"id": the id is empty'),
])
def test_a_bad_row_is_left_out_and_reported_the_others_are_read(
        tmp_path: Path, old: str, new: str, problem: str) -> None:
    poll = _read(tmp_path, [ROWS["centre-ville"].replace(old, new), ROWS["epinettes"]])

    assert poll.sites == {"92040-P-002": EPINETTES}
    assert poll.problems == [f"stationnement.csv, line 2: {problem}; the record is left out"]


def test_a_garage_twice_is_read_once(tmp_path: Path) -> None:
    poll = _read(tmp_path, [ROWS["centre-ville"], ROWS["epinettes"], ROWS["centre-ville"].replace(",520,", ",600,")])

    assert poll.sites == {"92040-P-001": CENTRE_VILLE, "92040-P-002": EPINETTES}
    assert poll.problems == ["stationnement.csv, line 4: the id 92040-P-001 was already read in line 2; "
                             "the record is left out"]


def test_the_rows_of_other_communes_are_not_checked(tmp_path: Path) -> None:
    poll = _read(tmp_path, [ROWS["vanves"].replace(",180,", ",beaucoup,"), ROWS["epinettes"]])
    assert (list(poll.sites), poll.problems) == (["92040-P-002"], [])


def test_missing_columns_are_all_named(tmp_path: Path) -> None:
    header = HEADER.replace(",nb_places,", ",places,").replace(",Ylat,", ",lat,")
    with pytest.raises(ReadError) as error:
        _read(tmp_path, [ROWS["centre-ville"]], header=header)
    assert str(error.value) == "stationnement.csv: missing columns: nb_places, Ylat"

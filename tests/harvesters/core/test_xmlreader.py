"""The hardened XML reader: DTDs refused before any entity is used, TOTEM
budget documents in ISO-8859-1 and DATEX II publications (v2 in a SOAP
envelope, v3) matched by namespace and local name, broken files named with
their line and column. No database: only the reader and its messages."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ckanext.issy.harvesters.core.reading import ReadError
from ckanext.issy.harvesters.core.xmlreader import (
    ANY, CHUNK_BYTES, UnsafeXmlError, find, find_all, find_attribute, find_text, is_named, iter_elements, xsi_type,
)

# The messages are checked in English, whatever the French catalogue says.
pytestmark = [pytest.mark.ckan_config("ckan.locale_default", "en"), pytest.mark.usefixtures("ckan_config")]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TOTEM_FILE = FIXTURES / "totem-compte-administratif-2023-latin1.xml"
DATEX_V2_SOAP_FILE = FIXTURES / "datex2-v2-parking-status-soap-bom.xml"
DATEX_V3_FILE = FIXTURES / "datex2-v3-parking-status.xml"

TOTEM = "http://www.minefi.gouv.fr/cp/demat/docbudgetaire"
DATEX_V2 = "http://datex2.eu/schema/2/2_0"
PARKING_V3 = "http://datex2.eu/schema/3/parking"
DATEX = (DATEX_V2, PARKING_V3)
DATEX_V3_COMMON = "http://datex2.eu/schema/3/common"
DATEX_V3_PAYLOAD = "http://datex2.eu/schema/3/d2Payload"


def billion_laughs(levels: int = 11) -> bytes:
    """&lol11; would expand to 10^11 "lol": 300 GB."""
    declarations = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, levels + 1)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE DocumentBudgetaire [\n  ' + "\n  ".join(declarations) + "\n]>\n"
        f'<DocumentBudgetaire xmlns="{TOTEM}" version="&lol{levels};"><LigneBudget><Nature V="&lol{levels};"/>'
        + f"&lol{levels};" * 1000 + "</LigneBudget></DocumentBudgetaire>\n"
    ).encode()


def test_a_billion_laughs_document_is_refused_at_its_doctype_before_any_entity_expands() -> None:
    with pytest.raises(UnsafeXmlError) as refused:
        # Without the refusal libxml2 would stop on its own amplification limit,
        # with another error; the 300 GB would never be reached either way.
        next(iter_elements(billion_laughs(), TOTEM, "LigneBudget", name="ca-2023.xml"))
    message = str(refused.value)
    assert message.startswith("ca-2023.xml: documents with a DTD (<!DOCTYPE DocumentBudgetaire>) are refused")
    assert "expand until memory runs out" in message
    assert isinstance(refused.value, ReadError)  # what the harvesting core's gather catches


@pytest.mark.parametrize("doctype, reference", [
    ('<!DOCTYPE DocumentBudgetaire [<!ENTITY poste SYSTEM "{uri}">]>', "&poste;"),
    ('<!DOCTYPE DocumentBudgetaire [<!ENTITY % poste SYSTEM "{uri}"> %poste;]>', ""),
    ('<!DOCTYPE DocumentBudgetaire SYSTEM "{uri}">', "&poste;"),
], ids=["external entity", "external parameter entity", "external DTD"])
def test_an_external_entity_pointing_at_a_local_file_is_refused_without_its_content(
        tmp_path: Path, doctype: str, reference: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("mot de passe du SIG : Issy-92130-secret\n", encoding="utf-8")
    document = tmp_path / "ca-2023.xml"
    document.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + doctype.format(uri=secret.as_uri()) + "\n"
        f'<DocumentBudgetaire xmlns="{TOTEM}"><EnTeteDocBudgetaire>'
        f'<LibellePoste V="{reference}"/></EnTeteDocBudgetaire></DocumentBudgetaire>\n',
        encoding="utf-8",
    )
    read: list[str | None] = []
    with pytest.raises(UnsafeXmlError) as refused:
        for element in iter_elements(document, TOTEM, "LibellePoste", name="ca-2023.xml"):
            read.append(element.get("V"))
    assert read == []
    assert str(refused.value).startswith(
        "ca-2023.xml: documents with a DTD (<!DOCTYPE DocumentBudgetaire>) are refused: its entities could read "
        "files of the server")
    assert "Issy-92130-secret" not in str(refused.value)


def test_a_totem_document_in_iso_8859_1_is_read_by_namespace_and_local_name() -> None:
    wanted = ("EnTeteDocBudgetaire", "BlocBudget", "LigneBudget", "CONCOURS", "PATRIMOINE", "EMPRUNT")
    found: dict[str, list[dict[str, str | None]]] = {name: [] for name in wanted}
    for element in iter_elements(TOTEM_FILE, TOTEM, wanted, name=TOTEM_FILE.name):
        (local_name,) = (name for name in wanted if is_named(element, TOTEM, name))
        found[local_name].append({child.tag.split("}")[1]: child.get("V") for child in element})
    assert found["EnTeteDocBudgetaire"][0]["LibellePoste"] == "SGC de Boulogne-Billancourt - Trésorerie"
    assert found["EnTeteDocBudgetaire"][0]["IdColl"] == "21920040500011"
    assert (found["BlocBudget"][0]["NatDec"], found["BlocBudget"][0]["Exer"]) == ("09", "2023")
    lines = found["LigneBudget"]
    assert [(line["Nature"], line["Fonction"], line["CodRD"], line["MtReal"]) for line in lines] == [
        ("6042", "020", "D", "1187432.56"), ("73111", "01", "R", "42518907.00"), ("2313", "020", "D", "612045.18"),
    ]
    assert [line.get("Operation") for line in lines] == [None, None, "0012"]  # order follows the XSD, not a position
    assert found["CONCOURS"][0]["LibOrgaBenef"] == "Comité des fêtes d'Issy - subvention de fonctionnement"
    assert found["PATRIMOINE"][0]["LibBien"] == "HÔTEL DE VILLE - RÉFECTION DE LA SALLE DES MARIAGES"
    assert found["EMPRUNT"][0]["ObjEmpr"] == "Opérations réelles d'équipement 2019 - école de l'Île Saint-Germain"
    assert found["EMPRUNT"][0]["LibOrgaPreteur"] == "CAISSE DES DÉPÔTS ET CONSIGNATIONS"


def test_the_same_totem_document_in_utf_8_with_a_prefix_reads_the_same() -> None:
    latin1 = TOTEM_FILE.read_bytes().decode("iso-8859-1")
    prefixed = re.sub(r"<(/?)(?=[A-Za-z])", r"<\1budg:", latin1.replace('encoding="ISO-8859-1"', 'encoding="UTF-8"'))
    prefixed = prefixed.replace(f'xmlns="{TOTEM}"', f'xmlns:budg="{TOTEM}"')
    assert "<budg:LigneBudget>" in prefixed and 'xmlns="' not in prefixed

    def lines(source: Path | bytes) -> list[tuple[str | None, ...]]:
        return [
            (find_attribute(line, TOTEM, "Nature", attribute="V"), find_attribute(line, TOTEM, "MtReal", attribute="V"),
             find_attribute(line, TOTEM, "MtSup", attribute="Code"))
            for line in iter_elements(source, TOTEM, "LigneBudget", name="ca-2023.xml")
        ]

    assert lines(prefixed.encode("utf-8")) == lines(TOTEM_FILE) == [
        ("6042", "1187432.56", "BudgetHorsRAR"), ("73111", "42518907.00", None), ("2313", "612045.18", None),
    ]
    patrimoine = next(iter_elements(prefixed.encode("utf-8"), TOTEM, "PATRIMOINE", name="ca-2023.xml"))
    assert find_attribute(patrimoine, TOTEM, "LibBien", attribute="V").startswith("HÔTEL DE VILLE")


def test_an_element_of_the_same_local_name_in_another_namespace_is_not_matched() -> None:
    document = (
        f'<DocumentBudgetaire xmlns="{TOTEM}"><Budget><LigneBudget><Nature V="6042"/></LigneBudget>'
        '<Annexes><LigneBudget xmlns=""><Nature V="999"/></LigneBudget>'
        '<x:LigneBudget xmlns:x="urn:autre"><x:Nature V="888"/></x:LigneBudget></Annexes></Budget></DocumentBudgetaire>'
    ).encode()
    natures = {
        namespace: [find_attribute(line, ANY, "Nature", attribute="V")
                    for line in iter_elements(document, namespace, "LigneBudget", name="ca.xml")]
        for namespace in (TOTEM, "", "urn:autre", (TOTEM, "urn:autre"), ANY)
    }
    assert natures == {
        TOTEM: ["6042"], "": ["999"], "urn:autre": ["888"], (TOTEM, "urn:autre"): ["6042", "888"],
        ANY: ["6042", "999", "888"],
    }


def parking_statuses(source: Path, namespaces: str | tuple[str, ...] | None) -> list[tuple[str | None, ...]]:
    return [
        (find_attribute(record, namespaces, "parkingRecordReference", attribute="id"),
         find_text(record, namespaces, "parkingOccupancy", "parkingNumberOfVacantSpaces"),
         find_text(record, namespaces, "parkingOccupancy", "parkingOccupancy"),
         find_text(record, namespaces, "parkingSiteStatus"))
        for record in iter_elements(source, namespaces, "parkingRecordStatus", name=source.name)
    ]


@pytest.mark.parametrize("namespaces", [DATEX, ANY], ids=["datex v2 and v3 namespaces", "any namespace"])
def test_datex_ii_v2_in_a_soap_envelope_and_v3_read_the_same_whatever_their_prefixes(
        namespaces: tuple[str, ...] | None) -> None:
    expected = [("ISSY_PARK_HOTEL_DE_VILLE", "0", "100.0", "full"),
                ("ISSY_PARK_CORENTIN_CELTON", "87", "72.8", "spacesAvailable")]
    # v2: a UTF-8 BOM, a SOAP 1.1 envelope, "ns2:" prefixes then a default namespace.
    assert parking_statuses(DATEX_V2_SOAP_FILE, namespaces) == expected
    # v3: "d2:", "com:" and "prk:" prefixes.
    assert parking_statuses(DATEX_V3_FILE, namespaces) == expected


def test_datex_ii_types_texts_and_header_are_read_in_one_pass() -> None:
    v2 = [
        (element.tag.split("}")[1], xsi_type(element), element.text.strip(), element.get("lang"))
        for element in iter_elements(DATEX_V2_SOAP_FILE, DATEX_V2, (
            "payloadPublication", "parkingRecordStatus", "publicationTime", "value"), name="parkings.xml")
    ]
    assert v2 == [
        ("publicationTime", None, "2026-04-21T10:30:00+02:00", None),
        ("value", None, "Complet – entrée rue du Général Leclerc fermée", "fr"),
        ("parkingRecordStatus", (DATEX_V2, "ParkingSiteStatus"), "", None),  # "ns2:ParkingSiteStatus"
        ("parkingRecordStatus", (DATEX_V2, "ParkingSiteStatus"), "", None),  # unprefixed, default namespace
        ("payloadPublication", (DATEX_V2, "GenericPublication"), "", "fr"),  # ends last
    ]
    v3 = [
        (element.tag, xsi_type(element), element.text.strip())
        for element in iter_elements(DATEX_V3_FILE, (DATEX_V3_COMMON, PARKING_V3, DATEX_V3_PAYLOAD), (
            "publicationTime", "parkingRecordStatus", "payload"), name="parkings-v3.xml")
    ]
    assert v3 == [
        (f"{{{DATEX_V3_COMMON}}}publicationTime", None, "2026-04-21T10:30:00+02:00"),
        (f"{{{PARKING_V3}}}parkingRecordStatus", (PARKING_V3, "ParkingSiteStatus"), ""),
        (f"{{{PARKING_V3}}}parkingRecordStatus", (PARKING_V3, "ParkingSiteStatus"), ""),
        (f"{{{DATEX_V3_PAYLOAD}}}payload", (PARKING_V3, "ParkingStatusPublication"), ""),
    ]


def test_elements_kept_by_the_caller_stay_whole() -> None:
    (payload,) = iter_elements(DATEX_V3_FILE, DATEX_V3_PAYLOAD, "payload", name="parkings-v3.xml")
    records = find_all(payload, PARKING_V3, "parkingRecordStatus")
    assert [find_text(record, PARKING_V3, "parkingSiteStatus") for record in records] == ["full", "spacesAvailable"]
    lines = list(iter_elements(TOTEM_FILE, TOTEM, "LigneBudget", name=TOTEM_FILE.name))
    assert [find_attribute(line, TOTEM, "MtReal", attribute="V") for line in lines] == [
        "1187432.56", "42518907.00", "612045.18"]
    assert all(line.getparent() is None for line in lines)  # detached from the document


def test_an_element_nested_in_one_of_the_same_name_keeps_its_content_until_the_outer_one_ends() -> None:
    occupancies = [
        (find_text(element, DATEX_V2, "parkingNumberOfVacantSpaces"), (element.text or "").strip())
        for element in iter_elements(DATEX_V2_SOAP_FILE, DATEX_V2, "parkingOccupancy", name="parkings.xml")
    ]
    # DATEX II v2 nests the percentage <parkingOccupancy> in the <parkingOccupancy> block.
    assert occupancies == [(None, "100.0"), ("0", ""), (None, "72.8"), ("87", "")]


def test_a_large_document_is_read_in_memory_bounded_by_one_chunk() -> None:
    line = '<LigneBudget><Nature V="6042"/><CodRD V="D"/><MtReal V="{amount}.00"/></LigneBudget>\n'
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<DocumentBudgetaire xmlns="{TOTEM}"><Budget>'
        + "".join(line.format(amount=amount) for amount in range(20_000))
        + "<Annexes><DATA_PERSONNEL>" + '<PERSONNEL><EffectifBud V="1.0"/></PERSONNEL>' * 20_000
        + "</DATA_PERSONNEL></Annexes></Budget></DocumentBudgetaire>\n"
    ).encode()
    lines_in_a_chunk = CHUNK_BYTES // len(line.format(amount=0)) + 1
    amounts: list[str | None] = []
    most_lines_held = 0
    for element in iter_elements(document, TOTEM, "LigneBudget", name="ca.xml"):
        assert len(element) == 3  # whole when yielded
        amounts.append(find_attribute(element, TOTEM, "MtReal", attribute="V"))
        budget = element.getparent()
        root = budget.getparent()
        most_lines_held = max(most_lines_held, len(budget))
    assert len(amounts) == 20_000 and amounts[-1] == "19999.00"
    # The lines parsed from the current chunk, not the 20,000 of the file.
    assert most_lines_held <= lines_in_a_chunk + 1
    assert len(budget) == 0 and len(root) == 0  # the annexes too were emptied


def test_a_truncated_document_names_the_file_and_its_last_line() -> None:
    raw = TOTEM_FILE.read_bytes()
    cut = raw[:raw.index(b'<MtReal V="42518907.00"/>')]
    read = []
    with pytest.raises(ReadError) as broken:
        for element in iter_elements(cut, TOTEM, "LigneBudget", name="ca-2023.xml"):
            read.append(find_attribute(element, TOTEM, "Nature", attribute="V"))
    assert read == ["6042"]  # the lines before the cut were read
    last_line = cut.count(b"\n") + 1
    assert re.match(rf"ca-2023\.xml, line {last_line}, column \d+: the document ends before it is complete "
                    r"\(Premature end of data in tag LigneBudget line \d+\); the file looks truncated$",
                    str(broken.value))


@pytest.mark.parametrize("raw, message", [
    (b'<?xml version="1.0" encoding="UTF-8"?>\n<EnTeteDocBudgetaire>\n  <LibellePoste V="Tr\xe9sorerie"/>\n'
     b"</EnTeteDocBudgetaire>\n",
     r"^ca\.xml, line 3, column 22: the file is not in the encoding it declares \(.+\)$"),
    (b"<LigneBudget>\n  <Nature V=\"6042\">\n</LigneBudget>\n",
     r"^ca\.xml, line 3, column 15: malformed XML \(Opening and ending tag mismatch: Nature line 2 and LigneBudget\)$"),
    (b"<LigneBudget>\n  <LibBien V=\"H&Ocirc;tel de Ville\"/>\n</LigneBudget>\n",
     r"^ca\.xml, line 2, column \d+: malformed XML \(Entity 'Ocirc' not defined\)$"),
    (b"BGT_NATDEC;BGT_ANNEE\n09;2023\n", r"^ca\.xml, line 1, column 1: malformed XML \(Start tag expected, '<' not found\)$"),
    (b"", r"^ca\.xml: the file is empty$"),
], ids=["iso-8859-1 declared utf-8", "unclosed element", "html entity", "a csv file", "empty"])
def test_a_broken_document_is_reported_with_its_line_and_column(raw: bytes, message: str) -> None:
    with pytest.raises(ReadError, match=message):
        list(iter_elements(raw, ANY, "LigneBudget", name="ca.xml"))


def test_find_all_and_find_match_children_by_namespace() -> None:
    line = next(iter_elements(TOTEM_FILE, TOTEM, "LigneBudget", name=TOTEM_FILE.name))
    assert [element.get("Code") for element in find_all(line, TOTEM, "MtSup")] == ["BudgetHorsRAR"]
    assert find(line, "urn:autre", "Nature") is None and find(line, TOTEM, "Absent", "Nature") is None
    assert find_text(line, TOTEM, "Nature") == "" and find_text(line, TOTEM, "Absent") is None

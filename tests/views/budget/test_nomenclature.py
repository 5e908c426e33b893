"""Function groups named by the plan of accounts a document follows; a
document of unknown plan gets the names both plans share, else the names
of its largest functions, never a name that belongs to one plan only."""
from __future__ import annotations

from ckanext.issy.views.budget.nomenclature import group_label, group_of, same_plan


def test_a_function_code_belongs_to_its_first_figure_and_01_stands_apart() -> None:
    assert [group_of(code) for code in ("212", "823", "01", "020", "", None)] == ["2", "8", "01", "0", "-", "-"]


def test_groups_are_named_by_the_documents_plan_in_the_sites_language() -> None:
    assert group_label("4", "M14") == "Sport et jeunesse"
    assert group_label("4", "M57") == "Santé et action sociale"
    assert group_label("01", "M57") == "Opérations non ventilables"


def test_without_a_plan_a_group_gets_the_shared_name_or_its_largest_functions() -> None:
    assert group_label("2", "") == "Enseignement et formation"
    assert group_label("8", "", ["Voirie communale et routes", "Espaces verts urbains", "Éclairage public"]) == (
        "Groupe 8\u00a0: Voirie communale et routes, Espaces verts urbains…")
    assert group_label("6", "") == "Groupe de fonctions 6"


def test_only_the_same_known_plan_allows_comparing_functions() -> None:
    assert same_plan("M57", "M57") and not same_plan("M14", "M57") and not same_plan("", "")

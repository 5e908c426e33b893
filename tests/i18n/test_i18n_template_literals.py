"""The template literal checker: literals are reported with their line,
wrapped text and CKAN's own tags are not."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from devstack import i18n


def _literals(tmp_path: Path, source: str) -> list[tuple[int, str, str | None]]:
    template = tmp_path / "ckanext" / "demo" / "templates" / "page.html"
    template.parent.mkdir(parents=True)
    template.write_text(source, encoding="utf-8")
    return [(literal.line, " ".join(literal.text.split()), literal.attribute)
            for literal in i18n.find_untranslated_literals(tmp_path)]


def test_planted_literals_are_reported_with_their_line(tmp_path: Path) -> None:
    source = (
        "{% ckan_extends %}\n"
        "{% block primary_content %}\n"
        "  <p>Bonjour</p>\n"
        "  <img src=\"/logo.png\"\n"
        "       alt=\"Logo de la ville\">\n"
        "{% endblock %}\n"
    )
    assert _literals(tmp_path, source) == [
        (3, "Bonjour", None),
        (5, "Logo de la ville", "alt"),
    ]


def test_report_names_file_line_and_text(tmp_path: Path) -> None:
    _literals(tmp_path, "<p>\n  Bonjour</p>\n")
    [literal] = i18n.find_untranslated_literals(tmp_path)
    assert str(literal) == f"{literal.path}:2: untranslated text 'Bonjour'"


def test_wrapped_text_and_ckan_tags_are_accepted(tmp_path: Path) -> None:
    source = """{% ckan_extends %}
{% import 'macros/form.html' as form %}
{%- block primary_content -%}
  {% asset 'issy/main' %}
  <h1>{{ _('Hello') }}</h1>
  <p>{% trans %}Hello{% endtrans %}</p>
  <p>{% trans count=n %}{{ count }} dataset{% pluralize %}{{ count }} datasets{% endtrans %}</p>
  <img src="/logo.png" alt="{{ _('City logo') }}" title="{{ h.issy_title() }}">
  <a href="{{ h.url_for('home.index') }}" class="btn btn-primary">{{ _('Home') }}</a>
  {% link_for _('About'), named_route='home.about' %}
  {% snippet 'snippets/search_form.html', query=q, placeholder=_('Search') %}
  <input type="text" name="q" value="{{ q }}" class="form-control">
  <input type="submit" value="{{ _('Search') }}">
  <span aria-hidden="true">&times; &nbsp; 2024 – 2025 ©</span>
  <script>window.issy = {enabled: true};</script>
  <style>.issy-demo-banner { color: black; }</style>
  <!-- a comment for developers, not shown -->
  {# a Jinja comment #}
{%- endblock -%}
"""
    assert _literals(tmp_path, source) == []


@pytest.mark.parametrize(
    "markup, attribute",
    [
        ('<input type="search" placeholder="Rechercher">', "placeholder"),
        ('<button aria-label="Fermer">{{ icon }}</button>', "aria-label"),
        ('<nav aria-roledescription="fil d’Ariane"></nav>', "aria-roledescription"),
        ('<div aria-description="Carte des parkings"></div>', "aria-description"),
        ('<a href="/" title="Accueil">{{ _("Home") }}</a>', "title"),
        ('<option label="Oui" value="yes"></option>', "label"),
        ('<input type="submit" value="Envoyer">', "value"),
        ('<input type="reset" value="Effacer">', "value"),
        ('<meta name="description" content="Portail de la Ville">', "content"),
    ],
)
def test_user_facing_attributes_are_checked(tmp_path: Path, markup: str, attribute: str) -> None:
    [(line, _, reported)] = _literals(tmp_path, markup)
    assert (line, reported) == (1, attribute)


@pytest.mark.parametrize(
    "markup",
    [
        '<input type="text" name="q" value="default">',
        '<meta name="robots" content="noindex">',
        '<div class="container" id="content" data-module="issy-map"></div>',
    ],
)
def test_other_attributes_are_not_user_facing(tmp_path: Path, markup: str) -> None:
    assert _literals(tmp_path, markup) == []


def test_text_mixed_with_expressions_is_a_literal(tmp_path: Path) -> None:
    assert _literals(tmp_path, "<p>{{ count }} jeux de données</p>") == [
        (1, f"{i18n.PLACEHOLDER} jeux de données", None),
    ]


def test_lines_survive_whitespace_control_and_multiline_tags(tmp_path: Path) -> None:
    source = (
        "{%- if a -%}\n"
        "\n"
        "{%- set x = {\n"
        "  'k': 1,\n"
        "} -%}\n"
        "<p>Salut</p>\n"
        "{%- endif %}\n"
    )
    assert _literals(tmp_path, source) == [(6, "Salut", None)]


def test_ignore_comment_is_the_explicit_escape_hatch(tmp_path: Path) -> None:
    source = (
        "<p>Issy-les-Moulineaux</p>{# i18n: ignore #}\n"
        "<p>Bonjour</p>\n"
    )
    assert _literals(tmp_path, source) == [(2, "Bonjour", None)]


def test_only_templates_directories_are_checked(tmp_path: Path) -> None:
    page = tmp_path / "docs" / "page.html"
    page.parent.mkdir()
    page.write_text("<p>Bonjour</p>", encoding="utf-8")
    assert i18n.find_untranslated_literals(tmp_path) == []


def test_check_reports_a_literal_in_the_source_tree(tmp_path: Path) -> None:
    source_dir = shutil.copytree(i18n.SOURCE_DIR, tmp_path / "ckanext",
                                 ignore=shutil.ignore_patterns("__pycache__"))
    planted = source_dir / "issy" / "templates" / "planted.html"
    planted.write_text("{% extends 'page.html' %}\n<p>Bonjour</p>\n", encoding="utf-8")

    assert i18n.check(source_dir=source_dir) == [
        f"{planted}:2: untranslated text 'Bonjour'",
    ]

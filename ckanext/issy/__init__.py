"""ckanext-issy: the open data portal of Issy-les-Moulineaux, as a CKAN extension."""
from pathlib import Path

# The one gettext domain of every plugin, and its catalogues inside the package.
I18N_DOMAIN = "ckanext-issy"
I18N_DIR = Path(__file__).resolve().parent / "i18n"

"""ckanext-issy: the open data portal of Issy-les-Moulineaux, as a CKAN extension."""

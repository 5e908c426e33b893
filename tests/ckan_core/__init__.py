"""The CKAN test job: CKAN's own tests that exercise search, run with
``issy_search`` loaded (docs/search.md, "CKAN's own tests")."""

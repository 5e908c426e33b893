"""PostgreSQL search backend of the ``issy_search`` plugin.

CKAN builds the Solr document of a dataset and hands it to a Solr connection;
``ckan_hooks`` gives CKAN a stand-in connection (``connection``) that stores
the document in the ``issy_search_index`` table (``index``) and answers Solr
queries with SQL: ``query`` turns Lucene syntax into SQLAlchemy expressions
over the fields of ``fields``, ``facets`` counts facet values. See
docs/search.md.
"""

"""The budget formats the ``issy_finance`` harvester reads: each reader gives
budget documents in the shape of ``scdl.read_documents`` (rows of SCDL
cells), so that one check (``checks.typed_rows``) and one publication
serve every format."""

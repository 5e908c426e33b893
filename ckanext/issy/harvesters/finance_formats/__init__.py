"""The budget formats the ``issy_finance`` harvester reads besides SCDL CSV
files (issue 22, in progress): each reader gives budget documents in the
shape of ``finance.read_documents`` (rows of SCDL cells), so that one check
(``finance.typed_rows``) and one publication serve every format."""

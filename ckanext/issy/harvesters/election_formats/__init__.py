"""The election result files the ``issy_elections`` harvester reads.

Each reader (``wide.py``: the Ministry of the Interior's files by polling
station, formats of 2017–2022 and of 2024 onwards; ``long.py``: data.gouv.fr's
long format; ``ods.py``: Opendatasoft datasets with a field mapping) turns a
file into :class:`model.Round` objects: the polling stations of one commune
for one election and round, their cells still as the file wrote them.
``model.py`` types and checks them, the same way for every format.
"""

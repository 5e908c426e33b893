"""The parking feeds the ``issy_parking`` poller reads (issue 21, in progress).

Each reader turns one answer of a feed into a :class:`model.Poll`: the sites
it describes and one :class:`model.Observation` per site. ``model.py`` checks
observations the same way for every feed (counts clamped to what a site can
hold, timestamps from the future), so that the poller stores the same shape
whatever the operator.
"""

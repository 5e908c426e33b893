"""``model.checked``: what an observation becomes before it is stored, the
same for every parking feed (counts clamped and completed from the
capacity, a time from the future replaced by the time of receipt)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from ckanext.issy.harvesters.parking_feeds.model import (
    CLOSED, FULL, GARAGE, OPEN, SPACE, Observation, Site, checked,
)

# The messages are checked in English, whatever the French catalogue says.
pytestmark = [pytest.mark.ckan_config("ckan.locale_default", "en"), pytest.mark.usefixtures("ckan_config")]

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2024, 6, 12, 14, 30, tzinfo=PARIS)
CENTRE_VILLE = Site("92040-P-001", "Parking Centre-Ville", GARAGE, capacity=520, lat=48.8239, lon=2.2704)
SENSOR = Site("IS-GLE-0412", "IS-GLE-0412", SPACE, capacity=1, sector="Rue du Général Leclerc")


def _observation(free: int | None = None, occupied: int | None = None, at: datetime | None = NOW,
                 site_id: str = "92040-P-001") -> Observation:
    return Observation(site_id, free, occupied, OPEN, at, "record 1")


def test_a_true_observation_is_stored_as_given() -> None:
    observation = _observation(free=137, occupied=383)
    assert checked(observation, CENTRE_VILLE, NOW) == (observation, [])


def test_vacant_spaces_are_computed_from_the_capacity_when_only_occupied_ones_are_given() -> None:
    stored, problems = checked(_observation(occupied=383), CENTRE_VILLE, NOW)
    assert (stored.free, stored.occupied, problems) == (137, 383, [])


def test_occupied_spaces_are_computed_from_the_capacity_when_only_vacant_ones_are_given() -> None:
    stored, problems = checked(_observation(free=137), CENTRE_VILLE, NOW)
    assert (stored.free, stored.occupied, problems) == (137, 383, [])


def test_an_on_street_space_is_free_or_occupied_from_its_capacity_of_one() -> None:
    stored, problems = checked(_observation(occupied=1, site_id="IS-GLE-0412"), SENSOR, NOW)
    assert (stored.free, stored.occupied, problems) == (0, 1, [])


@pytest.mark.parametrize("free, occupied, stored_counts, message", [
    (-3, None, (0, 520), "92040-P-001: -3 free spaces < 0, stored as 0"),
    (None, -12, (520, 0), "92040-P-001: -12 occupied spaces < 0, stored as 0"),
    (600, None, (520, 0), "92040-P-001: 600 free spaces > capacity 520, stored as 520"),
    (None, 530, (0, 520), "92040-P-001: 530 occupied spaces > capacity 520, stored as 520"),
])
def test_an_impossible_count_is_clamped_and_reported_never_stored_as_given(
        free: int | None, occupied: int | None, stored_counts: tuple[int, int], message: str) -> None:
    stored, problems = checked(_observation(free, occupied), CENTRE_VILLE, NOW)
    assert ((stored.free, stored.occupied), problems) == (stored_counts, [message])


def test_both_counts_wrong_give_two_problems() -> None:
    stored, problems = checked(_observation(free=-1, occupied=700), CENTRE_VILLE, NOW)
    assert (stored.free, stored.occupied) == (0, 520)
    assert problems == ["92040-P-001: -1 free spaces < 0, stored as 0",
                        "92040-P-001: 700 occupied spaces > capacity 520, stored as 520"]


def test_without_a_known_capacity_only_negative_counts_are_clamped_and_nothing_is_computed() -> None:
    stored, problems = checked(_observation(free=900, occupied=-4), None, NOW)
    assert (stored.free, stored.occupied) == (900, 0)
    assert problems == ["92040-P-001: -4 occupied spaces < 0, stored as 0"]


def test_a_time_in_the_future_is_replaced_by_the_time_of_receipt_and_reported() -> None:
    future = datetime(2024, 6, 12, 14, 45, tzinfo=timezone(timedelta(hours=2)))
    stored, problems = checked(_observation(free=137, at=future), CENTRE_VILLE, NOW)
    assert stored.observed_at == NOW
    assert problems == ["92040-P-001: the feed's time 2024-06-12T14:45:00+02:00 is in the future, "
                        "the time of receipt is stored"]


@pytest.mark.parametrize("at", [
    NOW + timedelta(minutes=2),  # a source clock slightly ahead
    datetime(2024, 6, 12, 12, 31, tzinfo=timezone.utc),  # 14:31 in Paris, written in UTC
    NOW - timedelta(hours=3),
    None,
])
def test_a_time_up_to_two_minutes_ahead_is_kept_whatever_its_offset(at: datetime | None) -> None:
    stored, problems = checked(_observation(free=137, at=at), CENTRE_VILLE, NOW)
    assert (stored.observed_at, problems) == (at, [])


def test_the_rest_of_the_observation_is_kept() -> None:
    observation = Observation("92040-P-002", -2, None, CLOSED, NOW, "line 3")
    stored, _problems = checked(observation, Site("92040-P-002", "Parking Les Épinettes", GARAGE, 310), NOW)
    assert stored == Observation("92040-P-002", 0, 310, CLOSED, NOW, "line 3")
    assert checked(Observation("92040-P-003", 0, 0, FULL, None), None, NOW)[0].status == FULL

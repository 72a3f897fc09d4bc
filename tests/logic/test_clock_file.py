"""The platform's clock (services/common/clock.py): the moment a clock file holds,
or the real time when no file is named or the named file is empty."""
import datetime as dt

import pytest

from services.common.clock import CLOCK_FILE, wall_now


def test_a_clock_file_sets_now(tmp_path, monkeypatch):
    path = tmp_path / "now"
    path.write_text("2026-03-09T09:00:00+08:00\n")
    monkeypatch.setenv(CLOCK_FILE, str(path))
    assert wall_now() == dt.datetime(2026, 3, 9, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize("text", ["", "\n", "  \n"])
def test_an_emptied_clock_file_is_the_real_time(tmp_path, monkeypatch, text):
    path = tmp_path / "now"
    path.write_text("2026-03-09T09:00:00+08:00")
    monkeypatch.setenv(CLOCK_FILE, str(path))
    assert wall_now().year == 2026 and wall_now().month == 3
    path.write_text(text)
    before = dt.datetime.now(dt.UTC)
    now = wall_now()
    assert before <= now <= dt.datetime.now(dt.UTC)


def test_a_moment_without_its_offset_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "now"
    path.write_text("2026-03-09T09:00:00")
    monkeypatch.setenv(CLOCK_FILE, str(path))
    with pytest.raises(ValueError, match=CLOCK_FILE):
        wall_now()

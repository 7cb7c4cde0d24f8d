"""Hand-worked lifecycle fixture: six users over 2025-01 .. 2025-06.

    user  users row        app events (month)        trips       notes
    U1    registered Jan   Jan Feb Mar Apr May Jun   -           always active
    U2    registered Jan   Jan Apr                   -           dormant, churned, returned
    U3    (none)           Feb Apr May Jun           -           enters by its first event; woken in Apr
    U4    registered Mar   Feb Mar                   May         event before registration: enters Feb
    U5    registered Apr   -                         -           registered, never used the app
    U6    registered Jan   -                         Feb Jun     drives, never uses the app

The expected tables below were worked out by hand from domain.md section 3
(the reasoning for each month is in the comments).
"""
import io
import math

import pandas as pd
import pytest

from conftest import run_cli, write_table
from toolkit.analyses.lifecycle import COLUMNS, Lifecycle, lifecycle_table
from toolkit.data.store import open_store

APP = {"U1": [1, 2, 3, 4, 5, 6], "U2": [1, 4], "U3": [2, 4, 5, 6], "U4": [2, 3]}
TRIPS = {"U4": [5], "U6": [2, 6]}
REG = {"U1": "2025-01-03", "U2": "2025-01-10", "U4": "2025-03-02", "U5": "2025-04-20", "U6": "2025-01-05"}
MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
NAN = float("nan")


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("hand")
    rows = [(u, f"2025-{m:02d}-15 10:00:00", "app_open") for u, ms in APP.items() for m in ms]
    rows += [(u, f"2025-{m:02d}-20 18:00:00", "trip") for u, ms in TRIPS.items() for m in ms]
    write_table(d, "events", pd.DataFrame({"user_id": [r[0] for r in rows],
                                           "event_time": pd.to_datetime([r[1] for r in rows]),
                                           "event_name": [r[2] for r in rows]}))
    write_table(d, "users", pd.DataFrame({"user_id": list(REG), "registered_at": pd.to_datetime(list(REG.values()))}))
    return d


# k = 2.  Jan: U1 U2 U6 new.  Feb: U1 new_retained; U3 U4 new; U2 U6 dormant.
# Mar: U1 active; U4 new_retained; U3 dormant; U2 churned (silent); U6 churned (trip in Feb: signal).
# Apr: U1 active; U3 woken; U2 returned (was churned silent); U5 new; U4 dormant; U6 churned (no trip Mar-Apr).
# May: U1 U3 active; U2 U5 dormant; U4 churned (trip May: signal); U6 churned (silent).
# Jun: U1 U3 active; U2 U5 churned (silent); U4 churned (trip May); U6 churned (trip Jun).
K2 = {  # new nr act woken ret dormant churned c_sig c_sil mau cum
    "2025-01": [3, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3],
    "2025-02": [2, 1, 0, 0, 0, 2, 0, 0, 0, 3, 5],
    "2025-03": [0, 1, 1, 0, 0, 1, 2, 1, 1, 2, 5],
    "2025-04": [1, 0, 1, 1, 1, 1, 1, 0, 1, 4, 6],
    "2025-05": [0, 0, 2, 0, 0, 2, 2, 1, 1, 2, 6],
    "2025-06": [0, 0, 2, 0, 0, 0, 4, 2, 2, 2, 6],
}
# rates: retention_old, retention_new, wake, return, return_signal, return_silent
K2_RATES = {
    "2025-01": [NAN, NAN, NAN, NAN, NAN, NAN],
    "2025-02": [NAN, 1 / 3, NAN, NAN, NAN, NAN],          # old_active(Jan)=0; U1 of 3 new stayed
    "2025-03": [1.0, 1 / 2, 0.0, NAN, NAN, NAN],          # U1 kept; U4 of U3,U4; dormant U2,U6 none woke
    "2025-04": [1 / 2, NAN, 1.0, 1 / 2, 0.0, 1.0],        # of U1,U4 U1; U3 woke; of churned U2,U6 U2 returned
    "2025-05": [2 / 3, 0.0, 0.0, 0.0, NAN, 0.0],          # of U1,U3,U2 two; U5 new not retained
    "2025-06": [1.0, NAN, 0.0, 0.0, 0.0, 0.0],
}
# k = 1: every inactive month is churned; no dormant, no woken.
K1 = {
    "2025-01": [3, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3],
    "2025-02": [2, 1, 0, 0, 0, 0, 2, 1, 1, 3, 5],   # U6 trip in Feb -> signal; U2 silent
    "2025-03": [0, 1, 1, 0, 0, 0, 3, 0, 3, 2, 5],   # U2 U3 U6 churned, none drove in Mar
    "2025-04": [1, 0, 1, 0, 2, 0, 2, 0, 2, 4, 6],   # U2 U3 returned; U4 U6 churned
    "2025-05": [0, 0, 2, 0, 0, 0, 4, 1, 3, 2, 6],   # U4 drove in May
    "2025-06": [0, 0, 2, 0, 0, 0, 4, 1, 3, 2, 6],   # U6 drove in Jun
}
K1_RATES = {"2025-04": [1 / 2, NAN, NAN, 2 / 3, NAN, 2 / 3], "2025-05": [2 / 3, 0.0, NAN, 0.0, NAN, 0.0]}
# k = 3: dormant for 1-2 inactive months, churned from the third.
K3 = {
    "2025-01": [3, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3],
    "2025-02": [2, 1, 0, 0, 0, 2, 0, 0, 0, 3, 5],
    "2025-03": [0, 1, 1, 0, 0, 3, 0, 0, 0, 2, 5],   # U2 U6 (2 months) U3 (1 month) dormant
    "2025-04": [1, 0, 1, 2, 0, 1, 1, 1, 0, 4, 6],   # U2 U3 woken; U6 churned (trip in Feb-Apr)
    "2025-05": [0, 0, 2, 0, 0, 3, 1, 0, 1, 2, 6],   # U2 U4 U5 dormant; U6 no trip Mar-May
    "2025-06": [0, 0, 2, 0, 0, 2, 2, 2, 0, 2, 6],   # U4 churned (trip May), U6 (trip Jun)
}
K3_RATES = {"2025-04": [1 / 2, NAN, 2 / 3, NAN, NAN, NAN], "2025-06": [1.0, NAN, 0.0, 0.0, NAN, 0.0]}

COUNT_COLS = ["new", "new_retained", "active", "woken", "returned", "dormant", "churned", "churned_signal",
              "churned_silent", "mau", "cumulative"]
RATE_COLS = ["retention_old", "retention_new", "wake_rate", "return_rate", "return_rate_signal",
             "return_rate_silent"]


def _same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)


@pytest.mark.parametrize("k, counts, rates", [(2, K2, K2_RATES), (1, K1, K1_RATES), (3, K3, K3_RATES)])
def test_hand_worked_table(fixture_dir, k, counts, rates):
    df = lifecycle_table(open_store(fixture_dir).con, churn_after=k).set_index("month")
    assert list(df.index) == MONTHS
    for month, expected in counts.items():
        assert df.loc[month, COUNT_COLS].tolist() == expected, (k, month)
        assert df.loc[month, "active_rate"] == pytest.approx(expected[9] / expected[10])
    for month, expected in rates.items():
        got = df.loc[month, RATE_COLS].tolist()
        assert all(_same(g, e) for g, e in zip(got, expected)), (k, month, got, expected)
    if k == 1:
        assert (df["dormant"] == 0).all() and (df["woken"] == 0).all() and df["wake_rate"].isna().all()


def test_per_user_states(fixture_dir):
    lc = Lifecycle(open_store(fixture_dir).con)
    st = lc.user_states("2025-04", 2).set_index("user_id")
    assert st.state.to_dict() == {"U1": "active", "U2": "returned", "U3": "woken", "U4": "dormant",
                                  "U5": "new", "U6": "churned"}
    assert st.loc["U4", "months_inactive"] == 1 and st.loc["U4", "last_active_month"] == "2025-03"
    st6 = lc.user_states("2025-06", 2).set_index("user_id")
    assert st6.signal_recent.to_dict() == {"U1": False, "U2": False, "U3": False, "U4": True, "U5": False, "U6": True}


def test_active_events_are_configurable(fixture_dir):
    # Only trips count as activity.  U3 (app events only, no users row) never enters; U4 enters by its
    # registration in Mar (its trip is in May); U6 (registered Jan) is active in Feb by its trip.
    df = lifecycle_table(open_store(fixture_dir).con, active_events=["trip"], signal_events=[]).set_index("month")
    assert df.loc["2025-01", "new"] == 3 and df.loc["2025-02", "new_retained"] == 1
    assert df.loc["2025-03", "new"] == 1 and df.loc["2025-06", "cumulative"] == 5
    assert df.loc["2025-05", "woken"] + df.loc["2025-05", "returned"] == 1   # U4's trip in May


def test_a_month_without_events_still_appears(tmp_path):
    write_table(tmp_path, "events", pd.DataFrame({"user_id": [1, 1], "event_name": ["a", "a"],
                                                  "event_time": pd.to_datetime(["2025-01-02", "2025-03-02"])}))
    df = lifecycle_table(open_store(tmp_path).con).set_index("month")
    assert list(df.index) == ["2025-01", "2025-02", "2025-03"]
    assert df.loc["2025-02", "mau"] == 0 and df.loc["2025-02", "dormant"] == 1
    assert df.loc["2025-03", "woken"] == 1 and df.loc["2025-03", "wake_rate"] == 1.0


def test_cli_writes_the_table(fixture_dir, tmp_path):
    out = tmp_path / "lc.csv"
    proc = run_cli("lifecycle", fixture_dir, "--churn-after", 2, "--out", out)
    assert proc.returncode == 0, proc.stderr
    df = pd.read_csv(out)
    assert list(df.columns) == COLUMNS
    assert df.set_index("month").loc["2025-04", "returned"] == 1
    js = tmp_path / "lc.json"
    assert run_cli("lifecycle", fixture_dir, "--churn-after", 3, "--out", js).returncode == 0
    got = pd.read_json(js, orient="records")
    assert got.set_index("month").loc["2025-04", "woken"] == 2
    proc = run_cli("lifecycle", fixture_dir)
    assert proc.stdout.splitlines()[0].split(",") == COLUMNS
    bad = run_cli("lifecycle", fixture_dir, "--churn-after", 13)
    assert bad.returncode == 2 and "1 to 12" in bad.stderr


def test_cli_notes_an_unfinished_last_month_and_month_ends_the_table(tmp_path):
    # events to the last day of March, then one on 2 April: April is not complete
    times = ["2025-01-02 09:00", "2025-02-10 09:00", "2025-03-05 09:00", "2025-03-31 20:00", "2025-04-02 09:00"]
    write_table(tmp_path, "events", pd.DataFrame({"user_id": [1, 1, 2, 1, 1], "event_name": ["a"] * 5,
                                                  "event_time": pd.to_datetime(times)}))
    every = run_cli("lifecycle", tmp_path, check=True)
    table = pd.read_csv(io.StringIO(every.stdout))
    assert list(table["month"]) == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert "note: the last month, 2025-04, is not complete (events up to 2025-04-02)" in every.stderr
    assert "--month 2025-03" in every.stderr
    ended = run_cli("lifecycle", tmp_path, "--month", "2025-03", check=True)
    assert "is not complete" not in ended.stderr     # (the data have no trip: the signal note stays)
    pd.testing.assert_frame_equal(pd.read_csv(io.StringIO(ended.stdout)), table.iloc[:3])
    # the unfinished month the table shows can end it too; the commands that need a complete
    # month call it not complete yet (not "outside the data")
    assert run_cli("lifecycle", tmp_path, "--month", "2025-04", check=True).stdout == every.stdout
    cohorts = run_cli("cohorts", tmp_path, "--month", "2025-04")
    assert cohorts.returncode != 0 and "Traceback" not in cohorts.stderr
    assert "--month 2025-04 is not complete yet (events up to 2025-04-02): the available months are 2025-01 to " \
           "2025-03" in cohorts.stderr
    later = run_cli("lifecycle", tmp_path, "--month", "2025-05")
    assert later.returncode != 0 and "outside the data" in later.stderr

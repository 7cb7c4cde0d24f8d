"""Orders of a negative amount (refunds, cancellations) on a hand-worked fixture: they lower
revenue and are neither purchases nor visits.

Orders (the window of 2025-03: 2025-01 .. 2025-03; every user opens the app on 2025-01-02, user
9 on 2025-04-02 so that March is complete):

    user  orders (date: amount)                 purchases  net amount  last purchase
    1     02-10: 50, 03-30: 100, 03-31: -30     2          120         03-30 (R 1 day)
    2     03-05: 80                             1          80          03-05 (R 26)
    3     03-20: -40 (a refund only)            0          -40         -        not scored

    monthly revenue: 2025-02  buyers 1, orders 1, revenue 50
                     2025-03  buyers 2 (users 1, 2; user 3 refunded only), orders 2, revenue 110
"""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import run_cli, write_table
from toolkit.analyses.lifecycle import Lifecycle
from toolkit.analyses.periods import cohort_funnel
from toolkit.analyses.value import monthly_revenue, rfm_scores
from toolkit.data.store import open_store
from toolkit.data.validate import validate

ORDERS = [(1, "2025-02-10 12:00:00", 50.0), (1, "2025-03-30 12:00:00", 100.0), (1, "2025-03-31 12:00:00", -30.0),
          (2, "2025-03-05 09:00:00", 80.0), (3, "2025-03-20 10:00:00", -40.0)]


@pytest.fixture(scope="module")
def refunds_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("refunds")
    opens = [(u, "2025-01-02 10:00:00") for u in (1, 2, 3)] + [(9, "2025-04-02 10:00:00")]
    write_table(d, "events", pd.DataFrame({"user_id": [u for u, _ in opens],
                                           "event_time": pd.to_datetime([t for _, t in opens]),
                                           "event_name": "app_open"}))
    write_table(d, "orders", pd.DataFrame({"user_id": [o[0] for o in ORDERS],
                                           "order_time": pd.to_datetime([o[1] for o in ORDERS]),
                                           "amount": [o[2] for o in ORDERS]}))
    return d


def _lifecycle(d) -> Lifecycle:
    """The store of ``d`` with its aggregates (computed in memory, as the analyses read them)."""
    return Lifecycle(open_store(d).con, signal_events=[])


def test_a_refund_lowers_revenue_but_is_not_a_purchase(refunds_dir):
    con = _lifecycle(refunds_dir).con
    rev = monthly_revenue(con).set_index("month")
    assert rev.loc["2025-02", ["buyers", "orders", "revenue"]].tolist() == [1, 1, 50]
    # user 3's refund-only month makes no buyer; user 1's refund is not an order, and lowers revenue
    assert rev.loc["2025-03", ["buyers", "orders", "revenue"]].tolist() == [2, 2, 110]


def test_rfm_counts_purchases_and_nets_refunds(refunds_dir):
    con = _lifecycle(refunds_dir).con
    s = rfm_scores(con, "2025-03", window=3, bins=4).set_index("user_id")
    assert list(s.index) == [1, 2]                                  # user 3 only refunded: not scored
    assert s["frequency"].to_dict() == {1: 2, 2: 1}
    assert s["monetary"].to_dict() == {1: 120.0, 2: 80.0}
    assert s["recency_days"].to_dict() == {1: 1, 2: 26}             # from the last purchase, not the refund


def test_the_funnel_pays_on_purchases(refunds_dir):
    f = cohort_funnel(_lifecycle(refunds_dir)).set_index("cohort")
    # the January cohort (users 1, 2, 3): users 1 and 2 bought in January .. March; user 3 refunded
    assert f.loc["2025-01", "acquired"] == 3 and f.loc["2025-01", "paying"] == 2
    assert f.loc["2025-01", "revenue"] == pytest.approx(120 + 80 - 40)


def test_validate_names_the_refunds(refunds_dir):
    h = validate(open_store(refunds_dir))
    said = [w for w in h.warnings if "negative amount" in w]
    assert h.ok and len(said) == 1
    assert "2 order(s) of 2 user(s)" in said[0] and "-70.00" in said[0]


def test_convert_keeps_refunds_as_orders_not_events(tmp_path):
    src = tmp_path / "tx.csv"
    src.write_text("InvoiceNo,InvoiceDate,CustomerID,TotalPrice\n"
                   "1,2025-01-05,17850,100.0\nC2,2025-01-06,17850,-30.0\n3,2025-01-07,13047,20.0\n"
                   "C4,2025-01-08,12583,-5.0\n")
    out = tmp_path / "out"
    proc = run_cli("convert-transactions", src, "--out", out, "--user-col", "CustomerID", "--time-col", "InvoiceDate",
                   "--amount-col", "TotalPrice", "--id-col", "InvoiceNo")
    assert proc.returncode == 0, proc.stderr
    assert "Wrote 2 events of 2 users" in proc.stdout
    assert "2 rows have a negative amount (refunds or cancellations)" in proc.stdout
    events = pd.read_parquet(out / "events.parquet")
    orders = pd.read_parquet(out / "orders.parquet")
    assert sorted(events["user_id"]) == [13047, 17850]          # 12583 only refunded: no visit, not a new user
    assert len(orders) == 4 and orders["amount"].sum() == pytest.approx(85.0)


def test_a_campaign_that_aims_at_orders_counts_purchases(tmp_path):
    """An order campaign (goal orders) over 2025-03-15 .. 2025-03-25, treatment users 1 and 3,
    control users 2 and 4: user 1 bought in it (03-20), user 3 only had a refund (03-21), user 2
    bought (03-22), user 4 nothing: treatment 1 of 2, control 1 of 2."""
    from toolkit.analyses.campaign_effects import campaign_effects
    d = tmp_path / "campaign"
    opens = [(u, "2025-03-02 10:00:00") for u in (1, 2, 3, 4)] + [(9, "2025-04-02 10:00:00")]
    write_table(d, "events", pd.DataFrame({"user_id": [u for u, _ in opens],
                                           "event_time": pd.to_datetime([t for _, t in opens]),
                                           "event_name": "app_open"}))
    write_table(d, "orders", pd.DataFrame({"user_id": [1, 3, 2], "amount": [60.0, -25.0, 40.0],
                                           "order_time": pd.to_datetime(["2025-03-20 10:00", "2025-03-21 10:00",
                                                                         "2025-03-22 10:00"])}))
    write_table(d, "campaign_members", pd.DataFrame({"campaign_id": "K", "user_id": [1, 3, 2, 4],
                                                     "arm": ["treatment", "treatment", "control", "control"]}))
    (d / "campaigns.csv").write_text("campaign_id,name,start_date,end_date,goal_metric,target_group\n"
                                     "K,coupon,2025-03-15,2025-03-25,orders,members\n")
    con = _lifecycle(d).con
    r = campaign_effects(con).iloc[0]
    assert r["treatment"] == pytest.approx(0.5) and r["control"] == pytest.approx(0.5)

"""The month's summary page (reports/YYYY-MM/index.html) from the sections' recorded numbers."""
import nbformat

from toolkit.analyses.lifecycle import RATES
from toolkit.report.summary import write_month_index
from toolkit.report.tables import METRICS_MIME


def _month_folder(tmp_path, mau: list[int], lang: str = "en", active_rate=(0.50, 0.40), findings=()):
    """A month folder holding one executed lifecycle notebook whose only output is its metrics."""
    folder = tmp_path / "2025-12"
    folder.mkdir(parents=True)
    series = {"mau": mau, "new": [10, 4], "active_rate": list(active_rate), **{r: [0.3, 0.2] for r in RATES}}
    metrics = {"section": "lifecycle", "month": "2025-12", "language": lang, "target": 0.85, "target_default": False,
               "months": ["2025-11", "2025-12"], "series": series, "notes": []}
    outputs = [nbformat.v4.new_output("display_data", data={METRICS_MIME: metrics})]
    outputs += [nbformat.v4.new_output("display_data", data={METRICS_MIME: {"section": "findings", "of": of,
                                                                            "lines": lines}})
                for of, lines in findings]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=outputs)])
    nbformat.write(nb, str(folder / "01_lifecycle.ipynb"))
    (folder / "01_lifecycle.html").write_text("<html></html>", encoding="utf-8")
    return folder


def test_largest_movements_on_few_users_carry_a_small_numbers_caveat(tmp_path):
    """Fifteen active users: a 10-point move is chance more than news, and the page says so under
    the largest movements; with thousands of users it says nothing of the kind."""
    page = write_month_index(_month_folder(tmp_path / "a", [20, 15]), "2025-12", tmp_path).read_text(encoding="utf-8")
    assert "Largest movements" in page or "largest" in page.lower()
    # how large a chance move can be: 2 standard errors of two shares of 50% of 15 users, 37 points (it said
    # "several points" beside a 25-point move of 8 users)
    assert "Small numbers: with 15 active users this month, moves of up to about 37 points" in page, page
    zh = write_month_index(_month_folder(tmp_path / "b", [20, 15], "zh"), "2025-12", tmp_path, "zh").read_text(
        encoding="utf-8")
    assert "样本较小：本月活跃用户仅 15 人，月度之间约 37 个百分点以内" in zh     # (Chinese punctuation on the page)
    big = write_month_index(_month_folder(tmp_path / "c", [5000, 4000]), "2025-12", tmp_path).read_text(
        encoding="utf-8")
    assert "Small numbers" not in big


def test_changes_in_points_are_the_difference_of_the_rates_as_shown(tmp_path):
    """44.14% -> 45.36% is shown as 44.1% -> 45.4%: the change a reader checks by subtraction is
    +1.3 points, not the +1.2 of the unrounded rates; the same on the summary page, in the
    lifecycle findings and in the periods table."""
    import pandas as pd
    from toolkit.analyses.periods import period_view
    from toolkit.report.findings import lifecycle_findings
    from toolkit.report.tables import period_table
    page = write_month_index(_month_folder(tmp_path, [5000, 6000], active_rate=(0.4414, 0.4536)), "2025-12",
                             tmp_path).read_text(encoding="utf-8")
    assert "+1.3 points" in page and "+1.2" not in page, page
    from toolkit.report.summary import largest_movements
    flat = {"mau": [5000, 5000], "new": [10, 10], "active_rate": [0.4414, 0.4536], **{r: [0.3, 0.3] for r in RATES}}
    moves = largest_movements({"language": "en", "months": ["2025-11", "2025-12"], "month": "2025-12",
                               "series": flat})
    assert moves[0] == "Monthly active rate rose from 44.1% to 45.4% (+1.3 points).", moves
    monthly = pd.DataFrame({"month": ["2025-11", "2025-12"], "active_rate": [0.4414, 0.4536], "mau": [5000, 6000],
                            "cumulative": [11328, 13228], "new": [10, 4], "active": [1, 1], "new_retained": [1, 1],
                            "woken": [1, 1], "returned": [1, 1], **{r: [0.3, 0.2] for r in RATES}})
    text = " ".join(lifecycle_findings(monthly, "2025-12", 0.85, "en"))
    # 45.4% against the 85% target: 39.6 points below (85 - 45.4), up 1.3 on 44.1%
    assert "39.6 points below" in text and "up 1.3 points" in text, text
    markers = pd.DataFrame({"month": ["2025-11", "2025-12"], "holidays": ["", ""], "campaigns": ["", ""]})
    table = period_table(period_view(monthly, markers), "en")
    row = table[table.iloc[:, 0] == "  vs last month (points)"].iloc[0]
    assert row["2025-12"] == "+1.3", table


def test_the_summary_quotes_what_each_section_found_under_its_link(tmp_path):
    """A manager reads the summary page only: each section's findings (and the plan's verdict,
    recorded on the lifecycle page) are quoted under a link to the section, before the largest
    movements, so that the news of the sections (a target out of reach, a campaign that worked)
    is on the first screen."""
    folder = _month_folder(tmp_path, [5000, 6000], findings=[
        ("lifecycle", ["The part of MAU that changed most on last month was 'active'."]),
        ("plan", ["Plan for 2026-01: not met.", "Raising all four rates is implausible."])])
    page = write_month_index(folder, "2025-12", tmp_path).read_text(encoding="utf-8")
    block = page.split("What the sections found")[1]
    assert block.index("01_lifecycle.html") < block.index("The part of MAU that changed most") < \
        block.index("Plan for 2026-01: not met.") < block.index("Raising all four rates is implausible.")
    assert page.index("What the sections found") < page.index("Largest movements")
    zh = write_month_index(_month_folder(tmp_path / "zh", [5000, 6000], "zh", findings=[("lifecycle", ["句子。"])]),
                           "2025-12", tmp_path, "zh").read_text(encoding="utf-8")
    assert "各章节要点" in zh and "<li>句子。</li>" in zh
    none = write_month_index(_month_folder(tmp_path / "none", [5000, 6000]), "2025-12", tmp_path).read_text(
        encoding="utf-8")
    assert "What the sections found" not in none             # nothing recorded, no empty heading


def test_each_key_number_says_what_it_counts(tmp_path):
    """A rate on the summary says of whom it is (the wake rate's base, last month's dormant
    users, was defined only at the foot of the lifecycle page), from the same glossary."""
    from bs4 import BeautifulSoup
    from toolkit.report.labels import definition
    for lang in ("en", "zh"):
        folder = _month_folder(tmp_path / lang, [5000, 6000], lang)
        page = write_month_index(folder, "2025-12", tmp_path, lang).read_text(encoding="utf-8")
        rows = [[td.get_text() for td in tr.find_all("td")] for tr in BeautifulSoup(page, "html.parser").select("tr")[1:]]
        means = {r[0]: r[-1] for r in rows}
        assert len(rows) == 7 and all(means.values()), means
        wake = "wake rate" if lang == "en" else "唤醒率"
        shown = definition("lifecycle", "wake rate", lang)
        if lang == "zh":         # the page sets Chinese punctuation (zh_punctuation.py)
            from toolkit.report.zh_punctuation import full_width
            shown = full_width(shown)
        assert means[wake] == shown
        assert "dormant" in means.get("wake rate", "dormant") and "休眠" in means.get("唤醒率", "休眠")


def test_a_data_set_with_orders_shows_its_revenue_among_the_key_numbers(tmp_path):
    """A shop's manager found no revenue on the summary: with orders, the lifecycle section
    records each month's revenue and the summary shows it with the change on last month."""
    from bs4 import BeautifulSoup
    folder = _month_folder(tmp_path, [5000, 6000])
    nb = nbformat.read(str(folder / "01_lifecycle.ipynb"), as_version=4)
    metrics = nb.cells[0].outputs[0]["data"][METRICS_MIME]
    metrics["series"]["revenue"], metrics["currency"] = [1000.0, 1250.0], "£"
    nbformat.write(nb, str(folder / "01_lifecycle.ipynb"))
    page = write_month_index(folder, "2025-12", tmp_path, "en").read_text(encoding="utf-8")
    rows = {tr.find_all("td")[0].get_text(): [td.get_text() for td in tr.find_all("td")]
            for tr in BeautifulSoup(page, "html.parser").select("tr")[1:]}
    assert rows["revenue (£)"][1:3] == ["1,250", "+25.0%"], rows
    assert "orders" in rows["revenue (£)"][-1]


def test_no_comparison_with_months_before_the_events_begin(tmp_path):
    """An events export from 2025-07 beside registrations from 2024-11: the summary compared
    2025-12 with 2024-12, a month of registrations only (MAU +1,323.8%); before the first month
    with events there is no year-on-year figure, and the note names where the events begin."""
    from bs4 import BeautifulSoup
    folder = _month_folder(tmp_path, [5000, 6000])
    nb = nbformat.read(str(folder / "01_lifecycle.ipynb"), as_version=4)
    m = nb.cells[0].outputs[0]["data"][METRICS_MIME]
    months = [f"2024-{x:02d}" for x in (11, 12)] + [f"2025-{x:02d}" for x in range(1, 13)]
    m["months"], m["events_from"] = months, "2025-07"
    m["series"] = {k: [0.1 if k != "mau" and k != "new" else 100] * (len(months) - 2) + list(v)
                   for k, v in m["series"].items()}
    nbformat.write(nb, str(folder / "01_lifecycle.ipynb"))
    page = write_month_index(folder, "2025-12", tmp_path, "en").read_text(encoding="utf-8")
    rows = [[td.get_text() for td in tr.find_all("td")] for tr in BeautifulSoup(page, "html.parser").select("tr")[1:]]
    assert rows and all(r[3] == "" for r in rows), rows           # no year-on-year column
    assert all(r[2] for r in rows), rows                          # last month is after the events begin
    assert "the data start in 2025-07" in page


def test_a_slide_of_the_active_rate_over_several_months_is_a_finding():
    """64.1% to 59.9% in seven steps of about 0.5 points: no month's change was among the largest
    movements and no finding said it.  Three moves or more the same way (as shown, to a tenth of a
    point) are one sentence; a move that rounds to 0.0 ends the run; the data's first month (every
    user new, 100%) is no start."""
    import pandas as pd
    from toolkit.report.findings import active_rate_trend
    months = [f"2026-{m:02d}" for m in range(1, 9)]
    rates = [1.0, 0.62, 0.641, 0.636, 0.6304, 0.6296, 0.625, 0.60]   # 64.1 63.6 63.0 63.0(-0.0x) 62.5 60.0
    mo = pd.DataFrame({"month": months, "active_rate": rates, "cumulative": [100, 150, 200, 250, 300, 350, 400, 450],
                       "new": [100, 50, 50, 50, 50, 50, 50, 50]})
    assert active_rate_trend(mo, "2026-08", "en") == []            # 63.0 -> 63.0 shown: the run is 2 moves long
    mo.loc[5, "active_rate"] = 0.628                                  # 63.0 -> 62.8: four moves down from March
    assert active_rate_trend(mo, "2026-08", "en") == [
        "The monthly active rate has fallen for 5 months in a row: from 64.1% in 2026-03 to 60.0% in 2026-08 "
        "(-4.1 points)."]
    assert active_rate_trend(mo, "2026-08", "zh") == [
        "月活率已连续 5 个月下降:从 2026-03 的 64.1% 降至 2026-08 的 60.0%(累计下降 4.1 个百分点)。"]
    assert active_rate_trend(mo, "2026-04", "en") == []             # March's rise from 62.0% is one move up
    up = mo.assign(active_rate=[1.0, 0.30, 0.31, 0.32, 0.33, 0.34, 0.35, 0.36])
    assert active_rate_trend(up, "2026-04", "en") == [] and active_rate_trend(up, "2026-05", "en")[0].startswith(
        "The monthly active rate has risen for 3 months")
    # the first month (100%: every user new) is no start: from 100% to 30% is not a fall
    assert active_rate_trend(up.assign(active_rate=[1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]), "2026-03", "en") == []
    # a slide that starts at a campaign's month says so, and how far it is from the month before (the
    # sample's began at its churn-recall campaign's high)
    camp = pd.DataFrame({"campaign_id": ["C2"], "start_date": ["2026-03-05"], "end_date": ["2026-03-25"]})
    assert active_rate_trend(mo, "2026-08", "en", campaigns=camp) == [
        "The monthly active rate has fallen for 5 months in a row: from 64.1% in 2026-03 to 60.0% in 2026-08 "
        "(-4.1 points; 2026-03 was the month of campaign C2: from 62.0% in 2026-02, the month before, -2.0 points)."]
    assert active_rate_trend(mo, "2026-08", "zh", campaigns=camp)[0].endswith(
        "(累计下降 4.1 个百分点;2026-03 有活动 C2;从活动前的 2026-02(62.0%)算起下降 2.0 个百分点)。")
    assert active_rate_trend(mo, "2026-08", "en", campaigns=camp.assign(start_date="2026-05-01",
                                                                         end_date="2026-05-31"))[0].endswith("(-4.1 points).")


def _segments(rows):
    import pandas as pd
    cols = ["segment", "month", "new", "new_retained", "active", "woken", "returned", "dormant", "churned", "mau",
            "cumulative"]
    return pd.DataFrame([dict(zip(cols, r)) for r in rows])


def test_the_segment_whose_rate_departs_most_is_a_finding():
    """The ad channel's new users stayed at 52.6% against about 69% for the others, in a table no
    finding quoted.  By hand: A keeps 500 of its 1,000 new users, B and C 700 of 1,000 each: A
    against the other users 50.0% vs 70.0%, z = 0.2 / sqrt(0.6 * 0.4 * (1/1000 + 1/2000)) = 10.5;
    B against A + C (60%) is 0.1 / sqrt(0.633 * 0.367 * (1/1000 + 1/2000)) = 5.4, and the active
    rates (58.3% vs 75.0%) are less clear than the retention they come from."""
    from toolkit.report.findings import segment_finding
    rows = [("A", "2026-01", 1000, 0, 0, 0, 0, 0, 0, 1000, 1000), ("B", "2026-01", 1000, 0, 0, 0, 0, 0, 0, 1000, 1000),
            ("C", "2026-01", 1000, 0, 0, 0, 0, 0, 0, 1000, 1000),
            ("A", "2026-02", 200, 500, 0, 0, 0, 500, 0, 700, 1200), ("B", "2026-02", 200, 700, 0, 0, 0, 300, 0, 900, 1200),
            ("C", "2026-02", 200, 700, 0, 0, 0, 300, 0, 900, 1200)]
    seg = _segments(rows)
    assert segment_finding(seg, "2026-02", "Channel", "en") == [
        "Channel 'A' had a new-user retention of 50.0% against 70.0% for the other users (-20.0 points; 1,000 of "
        "its new users last month), the clearest difference by channel."]
    assert segment_finding(seg, "2026-02", "渠道", "zh") == [
        "渠道「A」的新用户次月留存率为 50.0%,其余用户为 70.0%(低 20.0 个百分点;其上月新用户 1,000 人),"
        "是各渠道中差异最明显的。"]
    assert segment_finding(seg, "2026-01", "channel", "en") == []          # no month before: no rate
    small = _segments([(s, m, n // 100, r // 100, 0, 0, 0, 0, 0, mau // 100, c // 100) for s, m, n, r, *_, mau, c in rows])
    assert segment_finding(small, "2026-02", "channel", "en") == []        # 5 of 10 against 14 of 20: chance
    unknown = seg.assign(segment=seg["segment"].replace({"A": "unknown"}))
    assert "'unknown'" not in " ".join(segment_finding(unknown, "2026-02", "channel", "en"))   # users without a value


def test_the_samples_planted_segment_effects_are_found(sample_dir):
    """The sample plants lower retention for the ad channel and higher for 杭州 (SEGMENT_RETENTION):
    the finding names the ad channel, lower; by city it names 杭州, higher, or nobody (the test
    sample's 杭州 has about 150 new users a month: +9 points is within chance of eight cities by
    five rates, and no other city may be named instead)."""
    from toolkit.analyses.cohorts import segment_monthly
    from toolkit.analyses.lifecycle import Lifecycle
    from toolkit.data.sample import SEGMENT_RETENTION
    from toolkit.data.store import open_store
    from toolkit.report.findings import segment_finding
    lc = Lifecycle(open_store(sample_dir).con)
    found = {}
    for column, (value, factor) in SEGMENT_RETENTION.items():
        sm = segment_monthly(lc, column, 2)
        for month in ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10"):
            for line in segment_finding(sm, month, column, "en"):
                assert line.startswith(f"{column} '{value}' had a new-user retention of"), line
                assert ("(-" if factor < 1 else "(+") in line, line
                found[column] = found.get(column, 0) + 1
    assert found.get("channel", 0) >= 3, found


def test_the_summary_links_last_months_report_when_it_was_rendered(tmp_path):
    """A manager comparing two months went through the list of rendered months; the page links
    the month before when its report is there, and says nothing of a month never rendered."""
    reports = tmp_path / "reports"
    folder = _month_folder(reports, [5000, 6000])
    page = write_month_index(folder, "2025-12", reports, "zh").read_text(encoding="utf-8")
    assert "../2025-11/index.html" not in page
    (reports / "2025-11").mkdir()
    (reports / "2025-11" / "index.html").write_text("<html></html>", encoding="utf-8")
    page = write_month_index(folder, "2025-12", reports, "zh").read_text(encoding="utf-8")
    assert "<a href='../2025-11/index.html'>← 上个月 2025-11</a>" in page


def test_the_change_on_last_year_is_coloured_as_the_change_on_last_month(tmp_path):
    """The change on last month was green or red, the change on last year plain."""
    from bs4 import BeautifulSoup
    folder = _month_folder(tmp_path, [5000, 6000])
    nb = nbformat.read(str(folder / "01_lifecycle.ipynb"), as_version=4)
    m = nb.cells[0].outputs[0]["data"][METRICS_MIME]
    m["months"] = [f"2024-{x:02d}" for x in (11, 12)] + [f"2025-{x:02d}" for x in range(1, 13)]
    m["series"] = {k: ([4000.0] * 12 + [5000, 6000] if k == "mau" else [0.5] * 12 + [0.45, 0.40])
                   for k in m["series"]}
    nbformat.write(nb, str(folder / "01_lifecycle.ipynb"))
    page = write_month_index(folder, "2025-12", tmp_path, "en").read_text(encoding="utf-8")
    cells = {tr.find_all("td")[0].get_text(): tr.find_all("td") for tr in BeautifulSoup(page, "html.parser").select("tr")[1:]}
    mau, rate = cells["monthly active users (MAU)"], cells["monthly active rate"]
    assert mau[3].get_text() == "+50.0%" and mau[3]["class"] == ["up"]
    assert rate[3].get_text() == "-10.0 points" and rate[3]["class"] == ["down"]


def test_a_rates_move_within_chance_is_no_movement_and_revenue_is_one():
    """The sample's wake rate went -1.3 and then +1.3 points on about 3,900 dormant users (1.2
    standard errors) and was the month's largest movement both times, while revenue's +20.9% was in
    none.  By hand: 44.1% of 3,900 against 45.4% of 3,950: se = sqrt(.441 * .559 / 3900 + .454 *
    .546 / 3950) = 1.12 points, 1.3 / 1.12 = 1.16 < 2; the same move on 39,000 users is 3.7."""
    import pandas as pd
    from toolkit.report.findings import lifecycle_findings
    from toolkit.report.summary import beyond_chance, largest_movements
    assert not beyond_chance(0.454, 0.441, 3950, 3900) and beyond_chance(0.454, 0.441, 39500, 39000)
    assert not beyond_chance(1.0, 1.0, 3, 3) and beyond_chance(1.0, 0.0, 3, 3)     # no move, though se = 0
    s = {"mau": [28258, 29943], "new": [3140, 3157], "active_rate": [0.603, 0.599],
         "retention_old": [0.877, 0.880], "retention_new": [0.657, 0.651], "wake_rate": [0.441, 0.454],
         "return_rate": [0.061, 0.058], "revenue": [2_858_000.0, 3_455_582.0],
         "pool_active_rate": [46800, 50000], "pool_retention_old": [24000, 25118], "pool_retention_new": [3100, 3140],
         "pool_wake_rate": [3900, 3950], "pool_return_rate": [15000, 15500]}
    moves = largest_movements({"language": "en", "months": ["2026-09", "2026-10"], "month": "2026-10", "series": s,
                               "currency": "¥"})
    assert moves[0] == "Revenue (¥) grew from 2,858,000 to 3,455,582 (+20.9%).", moves
    assert not any("wake rate" in m.lower() for m in moves) and any("MAU" in m for m in moves), moves
    # without pools (a report recorded by an earlier version) the rates compete as before
    old = {k: v for k, v in s.items() if not k.startswith("pool_")}
    assert any("wake rate" in m.lower() for m in largest_movements({"language": "en", "months": ["2026-09", "2026-10"],
                                                            "month": "2026-10", "series": old}))
    # the lifecycle page's "rate that changed most" says when every move is within chance
    monthly = pd.DataFrame({"month": ["2026-08", "2026-09", "2026-10"], "active_rate": [0.61, 0.603, 0.599],
                            "mau": [27000, 28258, 29943], "cumulative": [44000, 46800, 50000], "new": [3100, 3140, 3157],
                            "new_retained": [1990, 2000, 2044], "active": [20000, 21000, 22114],
                            "woken": [1650, 1700, 1793], "returned": [880, 900, 880], "dormant": [3900, 3950, 4000],
                            "churned": [15000, 15500, 15600], "retention_old": [0.87, 0.877, 0.880],
                            "retention_new": [0.65, 0.657, 0.651], "wake_rate": [0.44, 0.441, 0.454],
                            "return_rate": [0.06, 0.061, 0.058]})
    assert lifecycle_findings(monthly, "2026-10", 0.85, "en")[-1] == (
        "No rate moved beyond ordinary month-to-month variation (the largest move: wake rate 44.1% → 45.4%, "
        "+1.3 points).")
    # a smaller move on a larger base beyond chance: the page said every rate was within variation while
    # the summary listed the return rate's -0.7 points as a movement.  By hand: 6.8% of 15,000 churned
    # against 6.1% of 15,500: se = sqrt(.068 * .932 / 15000 + .061 * .939 / 15500) = 0.28 points,
    # 0.7 / 0.28 = 2.5 >= 2; the wake rate's 1.3 points on about 3,950 dormant: 1.2 < 2
    from toolkit.analyses.lifecycle import rate_pools
    both = monthly.assign(return_rate=[0.06, 0.068, 0.061])
    assert rate_pools(both)["return_rate"].tolist()[1:] == [15000, 15500]
    assert lifecycle_findings(both, "2026-10", 0.85, "en")[-1] == (
        "The rate that moved beyond ordinary month-to-month variation was return rate: 6.8% → 6.1% (-0.7 points); "
        "wake rate moved more (+1.3 points) but on a smaller base, within ordinary variation.")
    assert lifecycle_findings(both, "2026-10", 0.85, "zh")[-1] == (
        "超出月度正常波动的变化是回流率:6.8% → 6.1%(-0.7 个百分点);唤醒率变化更大(+1.3 个百分点),但其基数较小,仍在正常波动之内。")


def test_the_lifecycle_page_says_its_numbers_are_small_and_names_the_base_of_an_ordinary_move():
    """Eight active users: the lifecycle page had no caveat (only the summary had), and its rates
    finding called a wake rate of a few dormant users going 25% -> 50% ordinary variation without
    saying how few."""
    import pandas as pd
    from toolkit.report.findings import lifecycle_findings, small_numbers_note
    # wake rate: woken / last month's dormant: 1 of 4 in September, 2 of 4 in October
    monthly = pd.DataFrame({"month": ["2025-08", "2025-09", "2025-10"], "mau": [7, 7, 8], "cumulative": [13, 14, 15],
                            "active_rate": [7 / 13, 0.5, 8 / 15], "new": [1, 1, 1], "new_retained": [1, 1, 1],
                            "active": [4, 3, 3], "woken": [0, 1, 2], "returned": [1, 1, 1], "dormant": [4, 4, 2],
                            "churned": [2, 3, 4], "retention_new": [1.0, 1.0, 1.0], "retention_old": [0.6, 0.6, 0.6],
                            "wake_rate": [0.0, 0.25, 0.5], "return_rate": [0.5, 0.5, 1 / 3]})
    assert "moves of up to about 50 points" in small_numbers_note(monthly, "2025-10", "en")
    assert "约 50 个百分点以内" in small_numbers_note(monthly, "2025-10", "zh")
    text = " ".join(lifecycle_findings(monthly, "2025-10", 0.3, "en"))
    assert "No rate moved beyond ordinary month-to-month variation" in text
    assert "+25.0 points, on a base of only 4 users)" in text, text
    zh = " ".join(lifecycle_findings(monthly, "2025-10", 0.3, "zh"))
    assert "基数仅 4 人" in zh
    big = monthly.assign(mau=[700, 700, 800])
    assert small_numbers_note(big, "2025-10", "en") is None


def test_a_largest_movement_says_the_same_move_a_year_before():
    """Revenue +20.9% in October was a largest movement with no word that October rose 27% the
    year before too (seasonal): with 14 months, each movement carries the year-before move. By
    hand: 1,307,737 / 1,028,283 - 1 = +27.2%; the wake rate 32.0% -> 45.0% a year before: +13.0 points."""
    from toolkit.report.summary import largest_movements
    months = [f"{2025 + (8 + k) // 12}-{(8 + k) % 12 + 1:02d}" for k in range(14)]     # 2025-09 .. 2026-10
    flat = {"mau": [28000] * 14, "new": [3100] * 14, "active_rate": [0.6] * 14,
            **{r: [0.3] * 14 for r in RATES}, **{f"pool_{r}": [50000] * 14 for r in ("active_rate", *RATES)}}
    flat["revenue"] = [1_028_283.0, 1_307_737.0] + [2_000_000.0] * 10 + [2_857_105.0, 3_455_582.0]
    flat["wake_rate"] = [0.32, 0.45] + [0.44] * 10 + [0.40, 0.45]
    moves = largest_movements({"language": "en", "months": months, "month": "2026-10", "series": flat,
                               "currency": "¥"})
    assert "Revenue (¥) grew from 2,857,105 to 3,455,582 (+20.9%; a year before, +27.2%)." in moves, moves
    assert "Wake rate rose from 40.0% to 45.0% (+5.0 points; a year before, +13.0 points)." in moves, moves
    zh = largest_movements({"language": "zh", "months": months, "month": "2026-10", "series": flat, "currency": "¥"})
    assert "(+20.9%;去年同期 +27.2%)" in " ".join(zh), zh
    # thirteen months: no year-before move to give
    short = {k: v[1:] for k, v in flat.items()}
    assert not any("a year before" in m for m in largest_movements(
        {"language": "en", "months": months[1:], "month": "2026-10", "series": short}))


def test_a_count_that_moved_by_chance_is_not_a_largest_movement():
    """New users 3,141 -> 3,157 (+0.5%) was listed among the largest movements while a wake rate that
    moved 1.3 points was left out as chance: a count's move is judged against chance too (2 standard
    errors of the difference of two counts, about 158 users here)."""
    from toolkit.report.summary import largest_movements
    flat = {"mau": [28258, 29943], "new": [3141, 3157], "revenue": [2.86e6, 3.46e6],
            "active_rate": [0.603, 0.599], **{r: [0.3, 0.3] for r in RATES},
            **{f"pool_{r}": [50000, 50000] for r in ("active_rate", *RATES)}}     # no rate moved beyond chance
    moves = largest_movements({"language": "en", "months": ["2026-09", "2026-10"], "month": "2026-10",
                               "series": flat})
    assert not any(m.startswith("New users") for m in moves), moves
    assert any(m.startswith("Monthly active users") or "MAU" in m for m in moves), moves
    flat["new"] = [3141, 3500]                       # +359: beyond chance
    moves = largest_movements({"language": "en", "months": ["2026-09", "2026-10"], "month": "2026-10",
                               "series": flat})
    assert any(m.startswith("New users") for m in moves), moves


def test_a_falling_rate_beside_growing_mau_says_why():
    """The summary showed the active rate falling for 7 months beside MAU +6%, and a newcomer could
    not tell why: the rate's denominator, every user who ever entered, grew faster."""
    import pandas as pd
    from toolkit.report.findings import active_rate_trend
    mo = pd.DataFrame({"month": [f"2026-{m:02d}" for m in range(1, 6)],
                       "active_rate": [1.0, 0.70, 0.66, 0.62, 0.60], "mau": [100, 140, 165, 186, 210],
                       "cumulative": [100, 200, 250, 300, 350], "churned": [0, 10, 30, 50, 70],
                       "new": [100, 100, 50, 50, 50]})
    en = active_rate_trend(mo, "2026-05", "en")[0]
    assert en.endswith(" MAU grew over the same months, from 140 to 210: the rate falls because it is divided by "
                       "every user who ever entered, churned users included (70 churned in 2026-05), which grew "
                       "faster, from 200 to 350."), en
    assert "同期月活从 140 增至 210" in active_rate_trend(mo, "2026-05", "zh")[0]
    shrinking = mo.assign(mau=[100, 140, 130, 120, 110])
    assert "MAU grew" not in active_rate_trend(shrinking, "2026-05", "en")[0]


def test_a_month_rendered_after_the_next_gives_it_a_link_back(tmp_path):
    """`report --missing` filled in 2025-11 after 2025-12 had been rendered: 2025-12's page had no
    link to it ("previous month" is written only when that report exists)."""
    from toolkit.report.summary import link_next_month
    out = tmp_path / "reports"
    dec = write_month_index(_month_folder(out, [20, 15], "zh"), "2025-12", out, "zh")
    assert "../2025-11/index.html" not in dec.read_text(encoding="utf-8")
    (out / "2025-11").mkdir()
    (out / "2025-11" / "index.html").write_text("<html></html>", encoding="utf-8")
    before = dec.read_text(encoding="utf-8")
    link_next_month(out, "2025-11")
    after = dec.read_text(encoding="utf-8")
    assert "<a href='../2025-11/index.html'>← 上个月 2025-11</a> · <a href='../index.html'>" in after
    assert after.replace("<a href='../2025-11/index.html'>← 上个月 2025-11</a> · ", "") == before
    link_next_month(out, "2025-11")                       # once only
    assert dec.read_text(encoding="utf-8") == after
    link_next_month(out, "2025-12")                       # no 2026-01 page: nothing to do

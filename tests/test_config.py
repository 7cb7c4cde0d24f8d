import pytest

from toolkit.config import load_config
from toolkit.errors import ConfigError


def test_defaults_serve_the_sample(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TOOLKIT_CONFIG", raising=False)
    cfg = load_config()
    assert cfg.timezone == "Asia/Shanghai"
    assert cfg.churn_after == 2
    assert cfg.signal_events == ("trip",)
    assert cfg.active_events == ()
    assert cfg.language == "zh"


def test_file_then_overrides(tmp_path):
    f = tmp_path / "conf.yaml"
    f.write_text("data_dir: mydata\ntimezone: Europe/London\nchurn_after: 3\nactive_events: [login]\n")
    cfg = load_config(f)
    assert cfg.data_dir == (tmp_path / "mydata").resolve()
    assert cfg.timezone == "Europe/London" and cfg.churn_after == 3 and cfg.active_events == ("login",)
    cfg2 = load_config(f, churn_after=1, timezone=None, active_events="a, b")
    assert cfg2.churn_after == 1 and cfg2.timezone == "Europe/London" and cfg2.active_events == ("a", "b")


def test_env_variable_names_the_file(tmp_path, monkeypatch):
    f = tmp_path / "c.yaml"
    f.write_text("language: en\n")
    monkeypatch.setenv("TOOLKIT_CONFIG", str(f))
    assert load_config().language == "en"


@pytest.mark.parametrize("text, needle", [
    ("timezone: Mars/Olympus\n", "timezone"),
    ("churn_after: 13\n", "churn_after"),
    ("churn_after: two\n", "churn_after"),
    ("language: fr\n", "language"),
    ("active_events: [trip]\n", "both"),
    ("nonsense_key: 1\n", "nonsense_key"),
    ("holiday_country: GB-EGN\n", r"holiday_country \(.*bad\.yaml\) 'GB-EGN' is not known to the holidays library"),
    ("now: 2011-13-10\n", r"bad\.yaml: a value that looks like a date is not one \(month must be in 1\.\.12\)"),
    # a typo: the file named and the setting it was meant to be (a cron operator read 27 keys)
    ("holiday_contry: GB\n", r"bad\.yaml: Unknown setting\(s\) \['holiday_contry'\] \('holiday_contry': did you "
                              r"mean 'holiday_country'\?\)"),
    ("- a\n- b\n", "mapping"),
    # YAML keeps the last of a repeated key in silence: the month's churn window changed without a word
    ("churn_after: 2\nlanguage: zh\nchurn_after: 3\n", r"'churn_after' is given twice \(lines 1 and 3\); keep one"),
    ("csv_options:\n  events: {delim: ';'}\n  events: {delim: ','}\n", "'events' is given twice"),
])
def test_bad_values_are_named(tmp_path, text, needle):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=needle):
        load_config(f)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")


def test_nearest_file_up_from_the_working_folder(tmp_path, monkeypatch):
    """A kernel started in a subfolder (notebooks/) finds the project's toolkit.yaml above it;
    the environment variable wins over the file found, an explicit path over both."""
    monkeypatch.delenv("TOOLKIT_CONFIG", raising=False)
    (tmp_path / "toolkit.yaml").write_text("language: en\ndata_dir: mydata\n")
    sub = tmp_path / "notebooks" / "deeper"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    cfg = load_config()
    assert cfg.language == "en" and cfg.data_dir == (tmp_path / "mydata").resolve()
    assert cfg.source == str((tmp_path / "toolkit.yaml").resolve())
    (sub / "toolkit.yaml").write_text("churn_after: 1\n")
    assert load_config().churn_after == 1 and load_config().language == "zh"
    other = tmp_path / "other.yaml"
    other.write_text("churn_after: 3\n")
    monkeypatch.setenv("TOOLKIT_CONFIG", str(other))
    assert load_config().churn_after == 3
    assert load_config(tmp_path / "toolkit.yaml").churn_after == 2


def test_a_data_folders_own_file_comes_before_the_working_folders(tmp_path, monkeypatch):
    """A data folder named on the command line (or as the notebooks' data_dir) with its own
    toolkit.yaml uses it, whatever folder the command runs from; the environment variable and
    an explicit path still win; without one, the working folder's file applies."""
    from conftest import run_cli, write_table
    import pandas as pd
    from toolkit.config import find_config
    monkeypatch.delenv("TOOLKIT_CONFIG", raising=False)
    project = tmp_path / "project"
    project.mkdir()
    (project / "toolkit.yaml").write_text("signal_events: [trip]\nlanguage: zh\n")
    data = tmp_path / "shop"
    (data / "toolkit.yaml").parent.mkdir()
    (data / "toolkit.yaml").write_text("signal_events: [store_visit]\nlanguage: en\n")
    monkeypatch.chdir(project)
    cfg = load_config(data_dir=str(data))
    assert cfg.signal_events == ("store_visit",) and cfg.language == "en"
    assert cfg.source == str((data / "toolkit.yaml").resolve()) and cfg.data_dir == data.resolve()
    assert find_config(data_dir=data) == (data / "toolkit.yaml").resolve()
    assert load_config(data_dir=str(tmp_path / "other")).signal_events == ("trip",)
    assert load_config(project / "toolkit.yaml", data_dir=str(data)).signal_events == ("trip",)
    monkeypatch.setenv("TOOLKIT_CONFIG", str(project / "toolkit.yaml"))
    assert load_config(data_dir=str(data)).signal_events == ("trip",)
    monkeypatch.delenv("TOOLKIT_CONFIG")
    # the CLI from the project folder: the shop's store visits are its signal, not app activity
    # (with the project's file, every event would be active and the user never dormant)
    write_table(data, "events", pd.DataFrame({"user_id": [1, 1, 1], "event_name": ["app_open", "store_visit", "store_visit"],
                                              "event_time": pd.to_datetime(["2025-01-05 09:00", "2025-02-05 09:00",
                                                                            "2025-03-31 21:00"])}))
    table = run_cli("lifecycle", data, check=True, cwd=project).stdout
    assert table.splitlines()[0].startswith("month,") and "2025-03" in table
    import io
    df = pd.read_csv(io.StringIO(table)).set_index("month")
    assert df.loc["2025-02", "mau"] == 0 and df.loc["2025-03", "churned_signal"] == 1
    # from inside the data folder, no DIR: its file names no data_dir, so the data are the folder's
    assert str(load_config().data_dir) == "data/sample"     # the project's file holds no data: the default
    monkeypatch.chdir(data)
    assert load_config().data_dir == data.resolve()
    assert run_cli("lifecycle", check=True, cwd=data).stdout == table
    # a report page names the file it used so that two toolkit.yaml are told apart
    from toolkit.report.runner import page_header
    monkeypatch.chdir(tmp_path)
    shown = [v for _, v in page_header(data, "2025-03", config=find_config(data_dir=data))["fields"]]
    assert "shop/toolkit.yaml" in shown
    shown = [v for _, v in page_header(data, "2025-03", config=project / "toolkit.yaml")["fields"]]
    assert "project/toolkit.yaml(优先于数据文件夹的 shop/toolkit.yaml)" in shown     # the project's language
    # the package's own defaults are named as such, not by their path inside the package
    from toolkit.config import DEFAULTS_FILE
    shown = [v for _, v in page_header(data, "2025-03", config=DEFAULTS_FILE, language="zh")["fields"]]
    assert "软件包默认设置(未找到 toolkit.yaml)" in shown and not [v for v in shown if "defaults.yaml" in str(v)]


def test_an_analysts_file_naming_a_data_folder_keeps_the_data_folders_own_settings(tmp_path, monkeypatch):
    """An analyst's folder whose toolkit.yaml names data_dir: a shop's folder with its own
    toolkit.yaml (time zone, calendar, currency, language): the shop's settings apply beneath
    the analyst's, every key the analyst sets wins, and the page says both files (the UK shop
    was analysed with China's calendar and in Chinese, the header naming only the analyst's
    file).  The same for --config FILE with the data folder on the command line."""
    from toolkit.config import find_config
    from toolkit.report.context import open_report
    from conftest import write_table
    import pandas as pd
    monkeypatch.delenv("TOOLKIT_CONFIG", raising=False)
    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "toolkit.yaml").write_text("timezone: Europe/London\nholiday_country: GB\nlanguage: en\ncurrency: \"£\"\n"
                                       "signal_events: []\ntarget_active_rate: 0.3\nreports_dir: out\n",
                                       encoding="utf-8")
    write_table(shop, "events", pd.DataFrame({"user_id": [1, 1, 2, 2], "event_name": "open",
                                              "event_time": pd.to_datetime(["2025-01-05 09:00", "2025-02-05 09:00",
                                                                            "2025-03-06 10:00", "2025-04-01 10:00"])}))
    mine = tmp_path / "analysis"
    mine.mkdir()
    (mine / "toolkit.yaml").write_text("data_dir: ../shop\nlanguage: zh\n", encoding="utf-8")
    monkeypatch.chdir(mine)
    cfg = load_config()
    assert cfg.data_dir == shop.resolve() and cfg.language == "zh"                 # the analyst's keys win
    assert (cfg.timezone, cfg.holiday_country, cfg.currency, cfg.signal_events) == ("Europe/London", "GB", "£", ())
    assert cfg.target_active_rate == 0.3 and cfg.target_set                        # the shop's team set it
    assert cfg.reports_dir == (shop / "out").resolve()                               # relative to the shop's file
    assert cfg.source == str((mine / "toolkit.yaml").resolve())
    assert cfg.data_source == str((shop / "toolkit.yaml").resolve())
    same = load_config(mine / "toolkit.yaml", data_dir=str(shop))                  # --config FILE DIR
    assert (same.timezone, same.language, same.data_source) == ("Europe/London", "zh", cfg.data_source)
    assert find_config() == (mine / "toolkit.yaml").resolve()
    ctx = open_report()
    assert ctx.language == "zh" and ctx.cfg.holiday_country == "GB"
    assert "toolkit.yaml(优先于数据文件夹的 " in ctx.source_line() and "shop/toolkit.yaml" in ctx.source_line()
    ctx.store.con.close()


def test_a_target_the_team_did_not_set_is_marked_as_the_default(tmp_path):
    """target_active_rate given in the file, by a flag or a notebook parameter is the team's;
    otherwise the report calls the 85% the package default (own data showed "target 85%" as if
    someone had set it)."""
    from toolkit.config import load_config
    from toolkit.report.findings import lifecycle_findings
    import pandas as pd
    plain, own = tmp_path / "plain.yaml", tmp_path / "own.yaml"
    plain.write_text("language: en\n", encoding="utf-8")
    own.write_text("target_active_rate: 0.4\n", encoding="utf-8")
    assert not load_config(plain).target_set and load_config(own).target_set
    assert load_config(plain, target_active_rate=0.5).target_set
    assert load_config(plain, language="zh").target_set is False
    monthly = pd.DataFrame([{"month": "2025-12", "active_rate": 0.415, "mau": 415, "cumulative": 1000}])
    en = lifecycle_findings(monthly, "2025-12", 0.85, "en", default_target=True)[0]
    assert en.endswith("below the 85.0% target (the package default: set target_active_rate in the configuration file).")
    zh = lifecycle_findings(monthly, "2025-12", 0.85, "zh", default_target=True)[0]
    assert "(默认目标,可在配置文件的 target_active_rate 中设定)" in zh
    assert "default" not in lifecycle_findings(monthly, "2025-12", 0.85, "en")[0]
    from toolkit.report.summary import key_numbers
    from toolkit.analyses.lifecycle import RATES
    series = {k: [0.4, 0.415] for k in ("active_rate", "mau", "new", *RATES)}
    metrics = {"language": "en", "months": ["2025-11", "2025-12"], "month": "2025-12", "series": series,
               "target": 0.85, "target_default": True}
    assert key_numbers(metrics)[0]["value"] == "41.5% (target 85% · default)"
    assert key_numbers({**metrics, "target_default": False})[0]["value"] == "41.5% (target 85%)"
    # MAU counts a user who entered this month without an event (domain.md: active in the entry month):
    # "users active this month" left an analyst 13 users short of her own count
    mau = next(r for r in key_numbers(metrics) if r["key"] == "mau")
    assert "entered this month counts, with or without an event" in mau["means"]


def test_a_report_stopped_by_its_configuration_says_so_in_the_run_log(tmp_path):
    """A cron reader looks in reports/run.log: a configuration that failed to load (a typo, an
    unknown holiday country) wrote no line there, only stderr, which cron may not keep."""
    import json
    from conftest import run_cli
    (tmp_path / "reports").mkdir()
    (tmp_path / "toolkit.yaml").write_text("data_dir: nowhere\nholiday_contry: GB\n")
    proc = run_cli("report", cwd=tmp_path)
    assert proc.returncode == 2 and "did you mean 'holiday_country'" in proc.stderr
    line = json.loads((tmp_path / "reports" / "run.log").read_text().splitlines()[-1])
    assert line["outcome"] == "failed" and "holiday_contry" in line["error"]
    # the folder the file names, when it names one
    (tmp_path / "out").mkdir()
    (tmp_path / "toolkit.yaml").write_text("data_dir: nowhere\nreports_dir: out\nholiday_country: GB-EGN\n")
    proc = run_cli("report", cwd=tmp_path)
    assert proc.returncode == 2
    line = json.loads((tmp_path / "out" / "run.log").read_text().splitlines()[-1])
    assert line["outcome"] == "failed" and "'GB-EGN' is not known" in line["error"]
    # a run stopped by its data names the data folder the configuration gave (it logged data_dir "")
    (tmp_path / "toolkit.yaml").write_text("data_dir: nowhere\nreports_dir: out\n")
    assert run_cli("report", cwd=tmp_path).returncode == 2
    line = json.loads((tmp_path / "out" / "run.log").read_text().splitlines()[-1])
    assert line["outcome"] == "failed" and line["data_dir"] == str(tmp_path / "nowhere")
    assert line["engine"] == "duckdb"


def test_a_command_run_from_another_folder_says_no_configuration_was_found(tmp_path):
    """From another folder the package default data/sample was missing, and the error said to
    create a sample: the fix is the project folder, the data folder or --config."""
    import os
    from conftest import run_cli
    if os.environ.get("TOOLKIT_CONFIG"):
        pytest.skip("a configuration named by TOOLKIT_CONFIG is found from any folder")
    proc = run_cli("lifecycle", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"No toolkit.yaml in {tmp_path} or the folders above it" in proc.stderr, proc.stderr
    assert "Run from the project folder" in proc.stderr and "toolkit sample" not in proc.stderr

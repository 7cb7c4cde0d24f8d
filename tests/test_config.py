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
    ("- a\n- b\n", "mapping"),
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

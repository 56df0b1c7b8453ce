import pytest

import config
from config import Config, ConfigError, load_config


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "HERE", tmp_path)  # no config.yaml beside bot.py
    assert load_config(environ={}) == Config()


def test_config_yaml_beside_bot_is_read_by_default(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "HERE", tmp_path)
    write(tmp_path / "config.yaml", "idle_minutes: 3\n")
    assert load_config(environ={}).idle_minutes == 3


def test_values_from_the_file(tmp_path):
    path = write(tmp_path / "config.yaml", """
telegram:
  token: "123:file"
  base_url: http://127.0.0.1:8081/bot
supervisors: [42, 43]
idle_minutes: 2.5
""")
    c = load_config(path, environ={})
    assert c.token == "123:file"
    assert c.base_url == "http://127.0.0.1:8081/bot"
    assert c.base_file_url == config.TELEGRAM_FILES
    assert c.supervisors == (42, 43)
    assert c.idle_minutes == 2.5


def test_relative_paths_are_read_from_the_config_files_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path / "etc" / "config.yaml", "knowledge: kb\ndatabase: ../data/x.db\n")
    c = load_config(path, environ={})
    assert c.knowledge == tmp_path / "etc" / "kb"
    assert c.database == tmp_path / "data" / "x.db"


def test_token_from_the_environment_wins(tmp_path):
    path = write(tmp_path / "config.yaml", "telegram:\n  token: '123:file'\n")
    assert load_config(path, environ={"TELEGRAM_BOT_TOKEN": "456:env"}).token == "456:env"
    assert load_config(None, environ={"TELEGRAM_BOT_TOKEN": "456:env"}).token == "456:env"


def test_token_never_in_repr(tmp_path):
    path = write(tmp_path / "config.yaml", "telegram:\n  token: '123:very-secret'\n")
    c = load_config(path, environ={})
    assert "very-secret" not in repr(c)
    assert "very-secret" not in str(c)


def test_bad_value_raises_config_error(tmp_path):
    path = write(tmp_path / "config.yaml", "supervisors: abc\n")
    with pytest.raises(ConfigError, match="supervisors"):
        load_config(path, environ={})


@pytest.mark.parametrize(
    "text, expected",
    [
        ("colour: blue\n", "'colour'"),
        ("supervisors: abc\n", "'supervisors'"),
        ("supervisors: [alice]\n", "'supervisors'"),
        ("idle_minutes: soon\n", "'idle_minutes'"),
        ("idle_minutes: 0\n", "'idle_minutes'"),
        ("timezone: Mars/Olympus\n", "'timezone'"),
        ("closing_time: '25:00'\n", "'closing_time'"),
        ("closing_time: 1730\n", "'closing_time'"),
        ("telegram:\n  tokn: x\n", "'telegram.tokn'"),
        ("knowledge: [a\n", "not valid YAML"),
        ("- knowledge\n- database\n", "must be a mapping"),
    ],
)
def test_bad_config_is_one_line_and_exit_2(run_bot, tmp_path, text, expected):
    path = write(tmp_path / "bad.yaml", text)
    result = run_bot("check", config=path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert expected in result.stderr
    assert str(path) in result.stderr
    assert result.stdout == ""


def test_missing_explicit_config_is_one_line_and_exit_2(run_bot, tmp_path):
    result = run_bot("check", config=tmp_path / "nowhere.yaml")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [f"bot.py: {tmp_path / 'nowhere.yaml'}: no such config file"]


def test_the_halls_clock(tmp_path):
    path = write(tmp_path / "config.yaml", 'timezone: Asia/Urumqi\nclosing_time: "18:05"\n')
    c = load_config(path, environ={})
    assert (c.timezone, c.closing_time.isoformat()) == ("Asia/Urumqi", "18:05:00")
    assert str(c.zone) == "Asia/Urumqi"
    assert load_config(write(tmp_path / "none.yaml", "closing_time:\n"), environ={}).closing_time is None
    assert Config().timezone == "Asia/Shanghai" and Config().closing_time.isoformat() == "17:30:00"


def test_the_example_config_is_valid_and_documents_every_setting():
    example = config.HERE / "config.example.yaml"
    c = load_config(example, environ={})
    assert c.closing_time is not None
    text = example.read_text(encoding="utf-8")
    for key in config._KEYS:
        assert f"\n{key}:" in text or text.startswith(f"{key}:"), key

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
        ("telegram:\n  webhook: https://bot.example.org/tg\n", "'telegram.webhook'"),
        ("telegram:\n  webhook:\n    uri: https://bot.example.org/tg\n", "'telegram.webhook.uri'"),
        ("telegram:\n  webhook:\n    url: bot.example.org/tg\n", "'telegram.webhook.url'"),
        ("telegram:\n  webhook:\n    url: https://bot.example.org/t g\n", "'telegram.webhook.url'"),
        ("telegram:\n  webhook:\n    url: https://x.org/tg\n    port: '8443'\n", "'telegram.webhook.port'"),
        ("telegram:\n  webhook:\n    url: https://x.org/tg\n    port: 70000\n", "'telegram.webhook.port'"),
        ("telegram:\n  webhook:\n    url: https://x.org/tg\n    listen: [a]\n", "'telegram.webhook.listen'"),
        ("telegram:\n  webhook:\n    url: https://x.org/tg\n    path: /a(b\n", "'telegram.webhook.path'"),
        ("telegram:\n  webhook:\n    url: https://x.org/tg\n    secret_token: a b\n",
         "'telegram.webhook.secret_token'"),
        ("telegram:\n  token: '123:abc'\n  webhook:\n    url: https://x.org/123:abc\n",
         "'telegram.webhook.url' must not hold the bot's token"),
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
    for key in config._TELEGRAM_KEYS:
        assert f"\n  {key}:" in text, key
    for key in config._WEBHOOK_KEYS:
        assert f"\n    {key}:" in text, key
    assert c.webhook is None  # long polling unless a url is written


def test_webhook_mode_with_a_url_and_its_defaults(tmp_path):
    path = write(tmp_path / "config.yaml", """
telegram:
  webhook:
    url: https://bot.example.gov.cn/chuangkou/telegram/
""")
    hook = load_config(path, environ={}).webhook
    assert (hook.url, hook.listen, hook.port) == (
        "https://bot.example.gov.cn/chuangkou/telegram/", "127.0.0.1", 8443)
    assert hook.path == "/chuangkou/telegram"  # the URL's own, as a proxy passes it on
    assert hook.secret_token is None  # bot.py makes one up at each start
    root = write(tmp_path / "root.yaml", "telegram:\n  webhook:\n    url: https://bot.example.org\n")
    assert load_config(root, environ={}).webhook.path == "/"


def test_webhook_settings_from_the_file_and_the_secret_from_the_environment(tmp_path):
    path = write(tmp_path / "config.yaml", """
telegram:
  webhook:
    url: https://bot.example.org/tg
    listen: 0.0.0.0
    port: 9000
    path: internal/hook
    secret_token: from-the-File_1
""")
    hook = load_config(path, environ={}).webhook
    assert (hook.listen, hook.port, hook.path, hook.secret_token) == (
        "0.0.0.0", 9000, "/internal/hook", "from-the-File_1")
    hook = load_config(path, environ={"TELEGRAM_WEBHOOK_SECRET": "from_the_env"}).webhook
    assert hook.secret_token == "from_the_env"
    assert "from_the_env" not in repr(load_config(path, environ={"TELEGRAM_WEBHOOK_SECRET": "from_the_env"}))


def test_without_a_url_it_is_long_polling(tmp_path):
    path = write(tmp_path / "config.yaml", "telegram:\n  webhook:\n    url:\n    port: 9000\n")
    assert load_config(path, environ={"TELEGRAM_WEBHOOK_SECRET": "s"}).webhook is None


def test_a_bad_secret_token_is_named_never_shown(tmp_path):
    path = write(tmp_path / "config.yaml", "telegram:\n  webhook:\n    url: https://x.org/tg\n"
                                           "    secret_token: 'very secret!'\n")
    with pytest.raises(ConfigError) as e:
        load_config(path, environ={})
    assert "'telegram.webhook.secret_token'" in str(e.value) and "very secret" not in str(e.value)
    with pytest.raises(ConfigError) as e:
        load_config(path, environ={"TELEGRAM_WEBHOOK_SECRET": "also secret!"})
    assert "TELEGRAM_WEBHOOK_SECRET" in str(e.value) and "also secret" not in str(e.value)

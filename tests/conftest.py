"""What several test files share: running bot.py the way staff and CI do."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def run_bot(tmp_path):
    """Run ``bot.py ARGS`` in a subprocess. Without ``config`` it gets a config file that
    only puts the database in the test's temp folder, and no token, so a developer's own
    config.yaml or token cannot leak in."""

    def run(*args: str, input: str = "", config: Path | None = None) -> subprocess.CompletedProcess:
        if config is None:
            config = tmp_path / "test-config.yaml"
            config.write_text(f"database: {tmp_path / 'chat.db'}\n", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
        return subprocess.run(
            [sys.executable, str(ROOT / "bot.py"), "--config", str(config), *args],
            input=input, capture_output=True, text=True, encoding="utf-8", env=env, timeout=120,
        )

    return run


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Each test's loader cache lives in its own temp folder, never in ~/.cache."""
    monkeypatch.setenv("CHUANGKOU_CACHE_DIR", str(tmp_path / "cache"))

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import database_from_url, env_bool


class TestDatabaseFromUrl:
    def test_sqlite_by_default(self, tmp_path):
        config = database_from_url("", default_sqlite=tmp_path / "db.sqlite3")
        assert config == {"ENGINE": "django.db.backends.sqlite3", "NAME": tmp_path / "db.sqlite3"}

    def test_postgres(self):
        config = database_from_url("postgres://app:p%40ss@db.example:5433/disclosure", default_sqlite=Path("x"))
        assert (
            config["ENGINE"],
            config["NAME"],
            config["USER"],
            config["PASSWORD"],
            config["HOST"],
            config["PORT"],
        ) == ("django.db.backends.postgresql", "disclosure", "app", "p@ss", "db.example", "5433")

    @pytest.mark.parametrize("url", ["sqlite:///srv/data/app.db", "sqlite:////srv/data/app.db"])
    def test_other_sqlite_file(self, url):
        assert database_from_url(url, default_sqlite=Path("x"))["NAME"] == "/srv/data/app.db"

    @pytest.mark.parametrize("url", ["mysql://u@h/db", "sqlite://", "redis://localhost"])
    def test_unsupported(self, url):
        with pytest.raises(ImproperlyConfigured):
            database_from_url(url, default_sqlite=Path("x"))


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("0", False), ("", False), (None, False)])
def test_env_bool(value, expected):
    assert env_bool(value) is expected


def test_locale_and_timezone(settings):
    assert (settings.LANGUAGE_CODE, settings.TIME_ZONE, settings.USE_TZ) == ("zh-hans", "Asia/Shanghai", True)

"""Each service's settings class (services/<service>/settings.py): defaults, the
shapes a compose file writes, and a bad value refused with its variable's name."""
import pytest

from services.common.settings import SettingsError
from services.notify.dependencies import Settings as NotifyRules
from services.notify.settings import NotifySettings
from services.ranking.settings import RankingSettings
from services.tasks.settings import TasksSettings
from services.warnings.settings import WarningsSettings


def test_defaults_with_nothing_set_and_empty_values_as_unset():
    for settings_class in (TasksSettings, WarningsSettings, RankingSettings, NotifySettings):
        settings = settings_class.from_config({"LUOSHI_RETRY_DELAYS": ""})
        assert settings.timezone == "Asia/Shanghai"
        assert settings.retry_delays == (1, 5, 30, 120, 600)
    assert WarningsSettings.from_config({}).evaluation_hour == 1
    assert TasksSettings.from_config({}).evidence_max_bytes == 10 * 1024 * 1024


def test_the_container_config_is_the_one_source(monkeypatch):
    monkeypatch.setenv("LUOSHI_EVALUATION_HOUR", "99")  # not read: only the config counts
    assert WarningsSettings.from_config({"LUOSHI_EVALUATION_HOUR": "6"}).evaluation_hour == 6


def test_lists_as_a_compose_file_writes_them():
    settings = NotifySettings.from_config({
        "LUOSHI_RETRY_DELAYS": "0.5, 1", "LUOSHI_NOTIFY_RETRY_DELAYS": "10,20",
        "LUOSHI_ESCALATION_GRACE_DAYS": "3", "LUOSHI_WEBHOOK_URLS": "http://a, http://b",
        "LUOSHI_NOTIFY_LEADERS": '[{"name": "市长", "user": "leader"}]',
        "LUOSHI_SMTP_SECURITY": "STARTTLS"})
    assert settings.retry_delays == (0.5, 1)
    assert settings.notify_retry_delays == (10, 20)
    assert settings.escalation_grace_days == (3, 3)
    assert settings.webhook_urls == ["http://a", "http://b"]
    assert settings.notify_leaders == [{"name": "市长", "user": "leader"}]
    assert settings.smtp_security == "starttls"
    rules = NotifyRules.from_config({"LUOSHI_ESCALATION_DAYS": "calendar"})
    assert rules.working_days is False and rules.grace_days == (2, 2)


@pytest.mark.parametrize("settings_class, variable, value", [
    (TasksSettings, "LUOSHI_EVIDENCE_MAX_BYTES", "10MB"),
    (TasksSettings, "LUOSHI_EVIDENCE_MAX_BYTES", "0"),
    (WarningsSettings, "LUOSHI_EVALUATION_HOUR", "25"),
    (WarningsSettings, "LUOSHI_EVALUATION_TICK_SECONDS", "-1"),
    (RankingSettings, "LUOSHI_TIMEZONE", "Asia/Beijing"),
    (RankingSettings, "LUOSHI_RETRY_DELAYS", "1,x"),
    (NotifySettings, "LUOSHI_NOTIFY_DIGEST_THRESHOLD", "five"),
    # Over 30 days, half the time its marks are kept (services/notify/models.py).
    (NotifySettings, "LUOSHI_NOTIFY_DEDUP_HOURS", "721"),
    (NotifySettings, "LUOSHI_BULLETIN_WEEKDAY", "7"),
    (NotifySettings, "LUOSHI_ESCALATION_DAYS", "weekdays"),
    (NotifySettings, "LUOSHI_NOTIFY_LEADERS", "[{"),
    (NotifySettings, "LUOSHI_SMTP_SECURITY", "tls"),
    (NotifySettings, "LUOSHI_SMTP_PORT", "70000"),
])
def test_a_bad_value_is_refused_naming_its_variable(settings_class, variable, value):
    with pytest.raises(SettingsError) as refusal:
        settings_class.from_config({variable: value})
    assert variable in str(refusal.value)


DING = "https://oapi.dingtalk.com/robot/send?access_token=tok-4411"


def test_the_office_wide_robots_are_checked_at_start_without_quoting_their_key():
    rules = NotifyRules.from_config({"LUOSHI_DINGTALK_URL": DING,
                                     "LUOSHI_DINGTALK_SECRET": "SECabc-123",
                                     "LUOSHI_WECOM_URL": "https://qyapi.weixin.qq.com/cgi-bin/"
                                                         "webhook/send?key=k-9"})
    assert rules.office_robots == {"dingtalk": (DING, "SECabc-123"), "wecom": (
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k-9", None)}
    assert "tok-4411" not in repr(rules) and "SECabc" not in repr(rules)
    for config, variable in (
            ({"LUOSHI_DINGTALK_URL": DING.replace("oapi.dingtalk.com", "ding.example")},
             "LUOSHI_DINGTALK_URL"),
            ({"LUOSHI_DINGTALK_URL": DING, "LUOSHI_DINGTALK_SECRET": "SEC 中文"},
             "LUOSHI_DINGTALK_SECRET"),
            ({"LUOSHI_DINGTALK_SECRET": "SECabc"}, "LUOSHI_DINGTALK_SECRET"),
            ({"LUOSHI_WECOM_URL": "http://127.0.0.1:8080/wx?key=k-9"}, "LUOSHI_WECOM_URL"),
            ({"LUOSHI_PORTAL_URL": "luoshi.example"}, "LUOSHI_PORTAL_URL")):
        with pytest.raises(SettingsError) as error:
            NotifySettings.from_config(config)
        assert variable in str(error.value)
        assert "tok-4411" not in str(error.value) and "k-9" not in str(error.value)
    # A private deployment's relay, or a test's peer, when allowed.
    assert NotifySettings.from_config({
        "LUOSHI_WECOM_URL": "http://127.0.0.1:8080/wx?key=k-9",
        "LUOSHI_ROBOT_ANY_HOST": "1"}).office_robots()["wecom"][1] is None

"""Supervisors on Telegram, end to end through the Bot API stand-in: /report, the refusal,
and the day's report at closing time (PTB's JobQueue run_daily)."""
from datetime import time
from zoneinfo import ZoneInfo

import pytest

from config import Config
from handlers.supervisor import DAILY_JOB, split
from handlers.telegram import build_application

from test_telegram import MODES, Citizen, Hall, hall, running, standin, webhook_in  # noqa: F401 (fixtures)

SUPERVISOR = 4242
REFUSED = "抱歉，报表只提供给本中心的督查人员。如需咨询办事，请直接告诉我您要办理什么业务。"


def app_for(hall: Hall, **settings):
    config = Config(token=hall.standin.token, base_url=hall.standin.base_url,
                    base_file_url=hall.standin.base_url, knowledge=hall.folder,
                    database=hall.db, **{"supervisors": (SUPERVISOR,), **settings})
    return build_application(config, hall.base, hall.matcher, hall.phrases)


@pytest.mark.parametrize("mode", MODES)
async def test_a_supervisor_gets_todays_report(hall, standin, mode):
    anna, boss = Citizen(standin, 1001), Citizen(standin, SUPERVISOR)
    async with running(app_for(hall, webhook=webhook_in(mode))):
        await anna.says("身份证过期了怎么换")
        await anna.says("交税")
        sent = await boss.says("/report")
        assert sent.text.startswith("# 测试镇政务服务中心日报（")
        lines = sent.text.splitlines()
        assert "- 咨询问题：2 个" in lines and "- 直接解答：1 个（50.0%）" in lines
        assert "1. 交税 —— 1 次，已引导到9号窗口（税务窗口）" in lines
        month = await boss.says("/report month")
        assert "月报" in month.text.splitlines()[0]
        # Asking for the report is not a citizen's question: nothing of it is stored.
        assert hall.rows(f"select count(*) from messages where user_id = {SUPERVISOR}") == [(0,)]


async def test_anyone_else_is_politely_refused(hall, standin):
    anna = Citizen(standin, 1001)
    async with running(app_for(hall)):
        assert (await anna.says("/report")).text == REFUSED
        # The conversation goes on as before.
        assert (await anna.says("身份证过期了怎么换")).text.startswith("您好！")


async def test_a_supervisor_in_a_group_is_asked_to_use_a_private_chat(hall, standin):
    boss_in_group = Citizen(standin, -100, SUPERVISOR)
    async with running(app_for(hall)):
        assert (await boss_in_group.says("/report")).text == "报表请在与我的私聊中查看。"


@pytest.mark.parametrize("mode", MODES)
async def test_the_days_report_goes_to_supervisors_at_closing_time(hall, standin, mode):
    anna = Citizen(standin, 1001)
    app = app_for(hall, closing_time=time(18, 5), timezone="Asia/Urumqi", webhook=webhook_in(mode))
    async with running(app):
        await anna.says("身份证过期了怎么换")
        [job] = app.job_queue.get_jobs_by_name(DAILY_JOB)
        due = job.next_t.astimezone(ZoneInfo("Asia/Urumqi"))
        assert (due.hour, due.minute) == (18, 5)
        await job.run(app)  # what the JobQueue does at 18:05
        sent = await standin.next_sent(SUPERVISOR)
        assert "- 咨询问题：1 个" in sent.text.splitlines()


async def test_no_daily_job_without_supervisors_or_closing_time(hall):
    for settings in ({"supervisors": ()}, {"closing_time": None}):
        app = app_for(hall, **settings)
        async with running(app):
            assert app.job_queue.get_jobs_by_name(DAILY_JOB) == ()


def test_a_long_report_is_split_between_lines():
    text = "\n".join(f"- 第{i}行" + "字" * 50 for i in range(300))
    parts = split(text, limit=1000)
    assert all(len(p) <= 1000 for p in parts) and "\n".join(parts) == text
    assert split("字" * 2500, limit=1000) == ["字" * 1000, "字" * 1000, "字" * 500]

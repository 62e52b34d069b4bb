"""The findings of the analysis reports (PSTA-3): each rule over hand-built figures, and the
edges — nothing to compare with, zeros, one community."""

from decimal import Decimal

import pytest

from platform_admin.figures import BusinessFigures, UsageFigures
from platform_admin.reports import findings as rules
from platform_admin.reports.findings import Finding, ScopeFigures

pytestmark = pytest.mark.req("PSTA-3")

D = Decimal
NAMES = {1: "翠湖花园", 2: "金桂苑", 3: "银杏里"}


def figures(business=None, usage=None) -> ScopeFigures:
    """{key: kwargs} for each dataclass; key None is the total."""
    return ScopeFigures(
        usage={key: UsageFigures(**values) for key, values in (usage or {}).items()},
        business={key: BusinessFigures(**values) for key, values in (business or {}).items()},
    )


def texts(found: list[Finding]) -> str:
    return "\n".join(finding.text for finding in found)


def test_numbers_in_words():
    assert rules.count(12345) == "12,345"
    assert rules.money(D("1234.5")) == "1,234.50元"
    assert rules.money(D("1234567.80")) == "123.46万元"
    assert rules.percent(D("0.9534")) == "95.3%"
    assert rules.percent(None) == "—"
    assert rules.points(D("-0.052")) == "5.2个百分点"
    assert rules.ratio(3, 0) is None


def test_change_in_words_never_divides_by_zero():
    repairs = rules.METRIC["repairs"]
    assert rules.change_text(repairs, rules.change(120, 100)) == "增长20.0%"
    assert rules.change_text(repairs, rules.change(80, 100)) == "下降20.0%"
    assert rules.change_text(repairs, rules.change(5, 0)) == "上期为0"
    assert rules.change_text(repairs, rules.change(0, 0)) == "持平"
    rate = rules.METRIC["collection_rate"]
    assert rules.change_text(rate, rules.change(D("0.9"), D("0.85"))) == "提高5.0个百分点"
    assert rules.change_text(rate, rules.change(D("0.9"), None)) == "—"
    assert rules.change_text(rate, rules.change(None, D("0.9"))) == "—"


def test_the_biggest_changes_in_one_sentence_biggest_first():
    current = figures({None: {"repairs": 150, "activities": 4, "bookings": 41, "complaints": 40}})
    previous = figures({None: {"repairs": 100, "activities": 2, "bookings": 40, "complaints": 20}})
    (found,) = rules.biggest_changes(current, previous)
    # Bookings moved 2.5 % (not worth saying); complaints have their own finding; two more
    # activities weigh less than fifty more repairs.
    assert found.text == (
        "与上期相比，变化最大的是报修量（本期150单，上期100单，增长50.0%），"
        "其次是社区活动（本期4场，上期2场，增长100.0%）。"
    )
    assert found.tone == rules.GOOD  # more activities is good news, more repairs neither


def test_small_counts_moving_a_little_are_not_news():
    current = figures({None: {"activities": 4}})
    assert rules.biggest_changes(current, figures({None: {"activities": 3}})) == []


def test_good_and_bad_changes_together_are_neutral():
    current = figures({None: {"repair_on_time_rate": D("0.7")}}, {None: {"active_users": 200}})
    previous = figures({None: {"repair_on_time_rate": D("0.9")}}, {None: {"active_users": 100}})
    (found,) = rules.biggest_changes(current, previous)
    assert found.tone == rules.NEUTRAL
    assert found.text == (
        "与上期相比，变化最大的是报修按时完成率（本期70.0%，上期90.0%，降低20.0个百分点），"
        "其次是活跃用户（本期200人，上期100人，增长100.0%）。"
    )


def test_a_figure_from_nothing_is_new_not_infinite():
    found = rules.biggest_changes(figures({None: {"activities": 3}}), figures({None: {}}))
    assert texts(found) == "与上期相比，变化最大的是社区活动（本期3场，上期为0）。"
    assert "inf" not in texts(found) and "Infinity" not in texts(found)


def test_rates_change_in_points_and_unknown_rates_are_left_out():
    current = figures({None: {"repair_on_time_rate": D("0.80"), "collection_rate": D("0.5")}})
    previous = figures({None: {"repair_on_time_rate": D("0.92"), "collection_rate": None}})
    (found,) = rules.biggest_changes(current, previous)
    assert found.text == (
        "与上期相比，变化最大的是报修按时完成率（本期80.0%，上期92.0%，降低12.0个百分点）。"
    )
    assert found.tone == rules.BAD


def test_nothing_changed_nothing_said():
    same = figures({None: {"repairs": 10}})
    assert rules.biggest_changes(same, same) == []
    assert rules.biggest_changes(figures(), figures()) == []


def test_best_and_worst_community():
    current = figures(
        {
            1: {"collection_rate": D("0.98"), "complaint_satisfaction": D("4.6")},
            2: {"collection_rate": D("0.81"), "complaint_satisfaction": D("4.6")},
            3: {"collection_rate": D("0.9")},
        }
    )
    found = rules.rankings(current, NAMES)
    assert "收缴率最高的是翠湖花园（98.0%），最低的是金桂苑（81.0%），相差17.0个百分点。" in texts(
        found
    )
    assert "各小区的投诉处理满意度相同，均为4.60分。" in texts(found)
    # No community has an on-time rate: nothing said about it.
    assert "按时完成率" not in texts(found)


def test_one_community_has_no_ranking():
    current = figures({1: {"collection_rate": D("0.98")}, None: {"collection_rate": D("0.98")}})
    assert rules.rankings(current, {1: "翠湖花园"}) == []
    assert "最高" not in texts(rules.findings(current, figures(), {1: "翠湖花园"}))


def test_ranking_needs_two_communities_with_the_figure():
    current = figures({1: {"repair_on_time_rate": D("0.9")}, 2: {}})
    assert rules.rankings(current, {1: "翠湖花园", 2: "金桂苑"}) == []


def test_overdue_rising_is_bad_news_with_the_worst_community():
    current = figures({None: {"repairs": 40, "repairs_overdue": 6}, 1: {"repairs_overdue": 5},
                       2: {"repairs_overdue": 1}})  # fmt: skip
    previous = figures({None: {"repairs": 35, "repairs_overdue": 2}})
    (found,) = rules.overdue_trend(current, previous, {1: "翠湖花园", 2: "金桂苑"})
    assert found.tone == rules.BAD
    assert found.text.startswith("超时未完成的报修有6单，占报修量的15.0%，比上期增加4单。")
    assert "超时最多的是翠湖花园（5单）" in found.text


def test_overdue_falling_and_gone():
    falling = rules.overdue_trend(figures({None: {"repairs": 10, "repairs_overdue": 1}}),
                                  figures({None: {"repairs_overdue": 3}}), NAMES)  # fmt: skip
    assert falling[0].text == "超时未完成的报修有1单，占报修量的10.0%，比上期减少2单。"
    assert falling[0].tone == rules.GOOD
    gone = rules.overdue_trend(figures({None: {"repairs": 10}}),
                               figures({None: {"repairs_overdue": 3}}), NAMES)  # fmt: skip
    assert gone[0].text == "本期没有超时报修（上期3单），维修响应明显改善。"
    assert rules.overdue_trend(figures(), figures(), NAMES) == []


def test_overdue_without_repairs_has_no_share():
    (found,) = rules.overdue_trend(figures({None: {"repairs_overdue": 2}}), figures(), {})
    assert found.text.startswith("超时未完成的报修有2单，比上期增加2单。")


def test_collection_rate_below_the_target_names_the_lagging_communities():
    current = figures(
        {
            None: {"billed": D("200000"), "collected": D("170000"), "collection_rate": D("0.85")},
            1: {"collection_rate": D("0.95")},
            2: {"collection_rate": D("0.80")},
            3: {"collection_rate": D("0.75")},
        }
    )
    previous = figures({None: {"collection_rate": D("0.88")}})
    (found,) = rules.collection(current, previous, NAMES)
    assert found.tone == rules.BAD
    assert found.text == (
        "本期应收物业费20.00万元，实收17.00万元，收缴率85.0%，比上期降低3.0个百分点，"
        "低于90.0%的目标，需加强催缴。收缴率低于目标的有：银杏里（75.0%）、金桂苑（80.0%）。"
    )


def test_collection_rate_on_target_and_without_bills():
    on_target = figures({None: {"billed": D("100"), "collected": D("95"),
                                "collection_rate": D("0.95")}})  # fmt: skip
    (found,) = rules.collection(on_target, figures(), {1: "翠湖花园"})
    assert found.tone == rules.GOOD and "达到90.0%的目标" in found.text
    assert rules.collection(figures({None: {}}), figures(), NAMES) == []


def test_the_collection_target_can_be_given():
    on_target = figures({None: {"collection_rate": D("0.95")}})
    (found,) = rules.collection(on_target, figures(), {}, target=D("0.97"))
    assert "低于97.0%的目标" in found.text


def test_complaint_themes_top_three_with_shares():
    current = figures(
        {
            None: {
                "complaints": 40,
                "complaints_closed": 35,
                "complaint_satisfaction": D("4.25"),
                "complaint_themes": [
                    ("环境卫生", 8),
                    ("噪音扰民", 12),
                    ("停车管理", 9),
                    ("物业服务", 3),
                ],  # fmt: skip
            }
        }
    )
    previous = figures({None: {"complaints": 30}})
    (found,) = rules.complaint_themes(current, previous)
    assert found.text == (
        "本期共收到投诉建议40件（上期30件，增长33.3%），最集中的主题是噪音扰民（12件，占30.0%）、"
        "停车管理（9件，占22.5%）、环境卫生（8件，占20.0%）。已办结35件，满意度4.25分。"
    )
    assert found.tone == rules.BAD


def test_no_complaints():
    assert rules.complaint_themes(figures(), figures()) == []
    (found,) = rules.complaint_themes(figures({None: {}}), figures({None: {"complaints": 4}}))
    assert found.text == "本期没有收到投诉建议（上期4件）。"


def test_activity_turnout():
    current = figures({None: {"activities": 4, "activity_signups": 120, "activity_attendance": 66,
                              "attendance_rate": D("0.55")}})  # fmt: skip
    previous = figures({None: {"attendance_rate": D("0.70")}})
    (found,) = rules.turnout(current, previous)
    assert found.text.startswith(
        "本期举办社区活动4场，报名120人，到场66人，到场率55.0%，比上期降低15.0个百分点"
    )
    assert found.tone == rules.BAD
    assert rules.turnout(figures({None: {}}), figures()) == []


def test_users_growth_and_activity():
    current = figures(
        usage={
            None: {
                "signups": 120,
                "requested_room": 100,
                "verified": 90,
                "residents": 800,
                "active_users": 400,
                "daily_active_average": D("85.44"),
                "active_days_per_user": D("6.25"),
                "feature_users": {"repairs": 150, "payments": 310, "notices": 300},
            }
        }
    )
    previous = figures(usage={None: {"signups": 80}})
    first, second = rules.users(current, previous)
    assert first.text == (
        "本期新注册用户120人（上期80人，增长50.0%），其中90人已认证房屋，另有10人提交了认证尚未通过。"
    )
    assert first.tone == rules.GOOD
    assert second.text == (
        "本期活跃用户400人，占期末认证住户（800人）的50.0%，日均活跃85.4人，人均活跃6.3天；"
        "使用人数最多的功能是缴费（310人）。"
    )


def test_users_without_residents_have_no_share():
    current = figures(usage={None: {"active_users": 3}})
    (found,) = rules.users(current, figures())
    assert "占期末" not in found.text and found.text.startswith("本期活跃用户3人")


def test_everything_empty_gives_no_findings():
    assert rules.findings(figures(), figures(), NAMES) == []
    assert rules.findings(ScopeFigures(), ScopeFigures(), {}) == []


def test_findings_are_ordered_by_weight():
    current = figures(
        {
            None: {
                "repairs": 200,
                "repairs_overdue": 9,
                "collection_rate": D("0.70"),
                "activities": 1,
                "attendance_rate": D("0.9"),
            },  # fmt: skip
            1: {"collection_rate": D("0.9")},
            2: {"collection_rate": D("0.5")},
        }
    )
    previous = figures({None: {"repairs": 100, "repairs_overdue": 3}})
    found = rules.findings(current, previous, {1: "翠湖花园", 2: "金桂苑"})
    weights = [finding.weight for finding in found]
    assert weights == sorted(weights, reverse=True)
    assert {finding.kind for finding in found} >= {"change", "overdue", "collection", "ranking"}
    assert found[0].as_dict()["text"] == found[0].text

"""The suggestions part's demo data: a handful of suggestions of the demo community in every stage
(collecting support, being evaluated, adopted with a plan under way, done with a community
notice, not adopted, merged), supported by several households; one is 张伟's (13900000001).
Made through the part's services, so timelines, audit entries and inbox messages are real."""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Community, Residency, User
from staff.models import StaffMember

from ..models import Suggestion
from . import services

FEATURED_MOBILE = "13900000001"  # 张伟
MANAGER_MOBILE = "13800001001"  # the demo community's manager


def _households(community: Community) -> list[Residency]:
    return list(
        Residency.objects.filter(
            room__building__community=community,
            status=Residency.Status.VERIFIED,
            head__isnull=True,
        )
        .select_related("room__building__community", "user")
        .order_by("pk")[:60]
    )


def _submit(household, title, body, *, public=True, days_ago=0) -> Suggestion:
    suggestion = services.suggestion_submit(
        household=household, proposer=household.user, title=title, body=body, is_public=public
    )
    when = timezone.now() - dt.timedelta(days=days_ago, hours=3)
    Suggestion.objects.filter(pk=suggestion.pk).update(created_at=when)
    suggestion.events.update(created_at=when)
    return suggestion


def _support(suggestion, households) -> None:
    for household in households:
        if household.pk != suggestion.household_id:
            services.support_add(suggestion=suggestion, user=household.user)


def _spread(suggestion: Suggestion) -> None:
    """The timeline between its submission and now, in order (made all at once above)."""
    suggestion.refresh_from_db()
    events = list(suggestion.events.order_by("pk"))
    start, now = suggestion.created_at, timezone.now() - dt.timedelta(hours=1)
    for index, event in enumerate(events):
        event.created_at = start + (now - start) * index / max(len(events) - 1, 1)
        event.save(update_fields=["created_at"])
    times = {event.kind: event.created_at for event in events}
    Suggestion.objects.filter(pk=suggestion.pk).update(
        decided_at=times.get("adopted") or times.get("declined"),
        completed_at=times.get("completed"),
    )


def seed(community: Community) -> None:
    if Suggestion.objects.filter(community=community).exists():
        return
    manager = User.objects.filter(mobile=MANAGER_MOBILE).first()
    featured = User.objects.filter(mobile=FEATURED_MOBILE).first()
    households = _households(community)
    if manager is None or featured is None or len(households) < 12:
        return
    home = services.household_in_community(featured, community.pk)
    if home is None:
        return
    rng = random.Random(f"suggestions-{community.name}")
    others = [h for h in households if h.pk != home.pk]
    rng.shuffle(others)
    owner = StaffMember.objects.filter(user=manager).first()
    today = timezone.localdate()
    with transaction.atomic():
        # 张伟's: adopted, a plan under way, five neighbours support it; a duplicate merged in.
        charging = _submit(
            home, "地下车库增设电动车充电桩",
            "B1 车库电动车越来越多，只有 4 个充电桩，晚上经常排队，也有人私拉电线充电，"
            "存在安全隐患。建议增设 10 个充电桩，按次扫码付费。", days_ago=20,
        )  # fmt: skip
        _support(charging, others[:5])
        duplicate = _submit(others[5], "车库充电桩不够用",
                            "晚上下班回来充电桩全被占了，希望多装几个。", days_ago=18)  # fmt: skip
        _support(duplicate, others[6:8])
        services.evaluation_start(suggestion=charging, actor=manager)
        services.evaluation_note(
            suggestion=charging, feasibility="供电容量够用，需报供电公司审批；可与充电运营商合作，物业不出设备费。",
            estimated_cost=Decimal("18000.00"), actor=manager,
        )  # fmt: skip
        services.suggestions_merge(survivor=charging, duplicates=[duplicate], actor=manager)
        services.suggestion_decide(
            suggestion=charging, adopt=True, actor=manager,
            reason="车库充电需求确实很大，私拉电线有火灾隐患。物业将与充电运营商合作增设充电桩，业主按次付费。",
        )  # fmt: skip
        for title, days in (("联系供电公司勘察容量", -5), ("与充电运营商签约", 10),
                            ("安装 10 个充电桩并验收", 30)):  # fmt: skip
            services.step_save(
                suggestion=charging, title=title, owner=owner if days < 0 else None,
                owner_name="" if days < 0 else "工程部", target_date=today + dt.timedelta(days=days),
                actor=manager,
            )  # fmt: skip
        first = charging.steps.order_by("sort_order").first()
        services.step_done(step=first, actor=manager)
        services.progress_post(suggestion=charging, note="供电公司已勘察，容量满足，正在与两家运营商比价。",
                               actor=manager)  # fmt: skip

        # Collecting support.
        lockers = _submit(others[8], "南门增设快递柜",
                          "南门离 5、6 栋很近，但快递柜都在北门，建议在南门增设一组快递柜。",
                          days_ago=4)  # fmt: skip
        _support(lockers, others[9:17])

        # Being evaluated.
        sorting = _submit(others[17 % len(others)], "垃圾分类投放点增加指导员",
                          "早晚高峰垃圾投放点经常混投，建议增加分类指导员或志愿者值守。",
                          days_ago=7)  # fmt: skip
        _support(sorting, others[1:4])
        services.evaluation_start(suggestion=sorting, actor=manager)

        # Done, announced with a community notice.
        playground = _submit(others[4], "儿童游乐区铺设软胶地面",
                             "游乐区现在是水泥地，孩子摔倒容易受伤，建议铺设安全软胶地面。",
                             days_ago=45)  # fmt: skip
        _support(playground, [home, *others[5:15]])
        services.evaluation_start(suggestion=playground, actor=manager)
        services.suggestion_decide(suggestion=playground, adopt=True, actor=manager,
                                   reason="孩子的安全最重要，纳入本季度维修计划。")  # fmt: skip
        step = services.step_save(suggestion=playground, title="采购并铺设 EPDM 软胶地面",
                                  owner=None, owner_name="绿城园林施工队",
                                  target_date=today - dt.timedelta(days=10), actor=manager)  # fmt: skip
        services.step_done(step=step, actor=manager)
        services.suggestion_complete(
            suggestion=playground, publish_notice=True, actor=manager,
            outcome="儿童游乐区 320 平方米已全部铺设 EPDM 安全软胶地面，并更换了两处松动的滑梯扶手。",
        )  # fmt: skip

        for suggestion in (charging, duplicate, lockers, sorting, playground):
            _spread(suggestion)

        # Not adopted (private).
        lights = _submit(others[15 % len(others)], "楼道感应灯改为常亮",
                         "晚上楼道感应灯反应慢，建议改为常亮。", public=False, days_ago=12)  # fmt: skip
        services.evaluation_start(suggestion=lights, actor=manager)
        services.suggestion_decide(
            suggestion=lights, adopt=False, actor=manager,
            reason="常亮耗电大、灯具寿命短；我们已把感应灵敏度调高，并更换了 3 栋、5 栋反应慢的感应器。",
        )  # fmt: skip
        _spread(lights)

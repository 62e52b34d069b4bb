"""Demo notices for `seed_demo`: a few published notices per community, fanned out to the
residents' inboxes (idempotent: a notice of the same title is not written twice)."""

import datetime as dt

from django.utils import timezone

from accounts.models import Building, Community

from . import selectors, services
from .models import Notice

DEMO_NOTICES = [
    # title, category, importance, pinned, first two buildings only, days ago, body
    (
        "关于开展2026年冬季消防安全检查的通知",
        Notice.Category.SAFETY,
        "important",
        True,
        False,
        1,
        "<p>各位业主：</p><p>为保障冬季用火用电安全，物业将于本周六上午对各楼栋消防设施进行检查，"
        "请勿在楼道内堆放杂物、停放电动车。</p><p>感谢您的配合！</p>",
    ),
    (
        "1、2栋二次供水水箱清洗停水通知",
        Notice.Category.OUTAGE,
        "important",
        False,
        True,
        0,
        "<p>因二次供水水箱例行清洗，<strong>明日 9:00–15:00</strong> 1、2栋将暂停供水，"
        "请提前做好储水准备。</p>",
    ),
    (
        "社区亲子手工活动报名开始啦",
        Notice.Category.ACTIVITY,
        "normal",
        False,
        False,
        3,
        "<p>本周日下午 2 点在社区活动中心举办亲子手工活动，名额 30 组，先到先得。</p>",
    ),
    (
        "物业服务中心春节值班安排",
        Notice.Category.PROPERTY,
        "normal",
        False,
        False,
        6,
        "<ul><li>除夕至初三：9:00–17:00 值班</li><li>报修电话 24 小时畅通</li></ul>",
    ),
]


def seed_notices(communities: list[Community], author) -> int:
    created = 0
    now = timezone.now()
    for community in communities:
        buildings = list(Building.objects.filter(community=community).order_by("sort_order")[:2])
        for title, category, importance, pinned, partial, days, body in DEMO_NOTICES:
            if Notice.objects.filter(community=community, title=title).exists():
                continue
            notice = Notice(
                community=community,
                title=title,
                body=body,
                category=category,
                importance=importance,
                pinned=pinned,
            )
            services.notice_save(
                notice=notice,
                actor=author,
                buildings=buildings if partial else [],
                publish="now",
            )
            published = now - dt.timedelta(days=days, hours=2)
            Notice.objects.filter(pk=notice.pk).update(published_at=published, publish_at=published)
            services.notice_fan_out(notice_id=notice.pk)
            # The demo's inbox reads as if each notice had arrived when it was published.
            selectors.notice_messages(notice).update(created_at=published)
            created += 1
    return created

"""The notice body sanitiser keeps what the editor writes and nothing a clerk could use to take
over residents' screens: no class of their own (an overlay, a full-screen link), no `style`,
no frame `target`, and always `rel="noopener noreferrer nofollow"` on links."""

import pytest
from django.urls import reverse

from notices import services
from tests.factories import NoticeFactory

pytestmark = pytest.mark.django_db

REL = 'rel="noopener noreferrer nofollow"'


def test_what_the_editor_writes_comes_through():
    # The toolbar of static/staff/notice-editor.js, as Quill's getSemanticHTML() writes it.
    html = (
        "<h2>停水通知</h2><h3>时间</h3><h4>范围</h4>"
        "<p><strong>粗体</strong> <em>斜体</em> <u>下划线</u> <s>删除线</s><br></p>"
        "<ol><li>一</li><li>二</li></ol><ul><li>甲</li></ul>"
        "<blockquote>物业服务中心</blockquote>"
        '<p><span class="ql-cursor">\ufeff</span>'
        '<a href="https://example.com/a" rel="noopener noreferrer" target="_blank">详情</a></p>'
    )
    # Only rel changes (ours, after target).
    expected = html.replace('rel="noopener noreferrer" target="_blank"', f'target="_blank" {REL}')
    assert services.sanitize_body(html) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # A full-screen white overlay over the resident's page.
        ('<p><span class="position-fixed top-0 start-0 w-100 h-100 bg-white">x</span></p>',
         '<p><span class="">x</span></p>'),
        # A link that covers the whole card (Bootstrap's stretched-link) or the screen.
        ('<p><a href="https://evil.example" class="stretched-link">点这里</a></p>',
         f'<p><a href="https://evil.example" {REL}>点这里</a></p>'),
        ('<p><span class="modal-backdrop show">x</span></p>', '<p><span class="">x</span></p>'),
        # The editor's own class stays, the clerk's addition goes.
        ('<span class="ql-cursor fixed-top">x</span>', '<span class="ql-cursor">x</span>'),
        # Classes on any other tag.
        ('<p class="position-fixed">x</p>', "<p>x</p>"),
        # Inline styles, on any tag.
        ('<p style="position:fixed;inset:0;z-index:9999">x</p>', "<p>x</p>"),
        ('<span style="font-size:500px">x</span>', "<span>x</span>"),
        # target: a new tab only; rel is always ours.
        ('<a href="https://a.example" target="_top" rel="opener">x</a>',
         f'<a href="https://a.example" {REL}>x</a>'),
        ('<a href="https://a.example" target="_blank" rel="opener">x</a>',
         f'<a href="https://a.example" target="_blank" {REL}>x</a>'),
        ('<a href="javascript:alert(1)">x</a>', f"<a {REL}>x</a>"),
        ('<p id="main" data-bs-toggle="modal" onclick="x()">x</p>', "<p>x</p>"),
    ],
)  # fmt: skip
def test_a_clerk_cannot_style_or_position_anything(html, expected):
    assert services.sanitize_body(html) == expected


def test_the_resident_page_shows_no_overlay(client_for, resident, staff_user, community):
    body = (
        '<p>停水</p><p><a href="https://evil.example" class="stretched-link position-fixed" '
        'style="inset:0">x</a><span class="position-fixed w-100 h-100">y</span></p>'
    )
    notice = services.notice_save(
        notice=NoticeFactory.build(community=community, body=body),
        actor=staff_user,
        buildings=[],
        publish="now",
    )
    html = client_for(resident).get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert "position-fixed" not in html and "stretched-link" not in html
    assert "inset:0" not in html


def test_the_migration_cleans_notices_saved_before(community):
    from importlib import import_module

    from django.apps import apps

    from notices.models import Notice

    migration = import_module("notices.migrations.0003_resanitise_notice_bodies")
    kept = NoticeFactory(community=community, body="<p><strong>停水</strong></p>")
    hostile = NoticeFactory(
        community=community, body='<p><span class="position-fixed w-100 h-100">x</span></p>'
    )
    migration.resanitise(apps, None)
    assert Notice.objects.get(pk=hostile.pk).body == '<p><span class="">x</span></p>'
    assert Notice.objects.get(pk=kept.pk).body == "<p><strong>停水</strong></p>"

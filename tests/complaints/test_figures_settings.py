"""The community's complaint categories (service levels, the routing rule) and departments
(SCMP-1): managers edit them, names are unique per community, the routing rule names only this
community's departments and complaint handlers, everything is audited; others get 403 / 404."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from complaints.figures import services
from complaints.models import ComplaintCategory, Department
from kit.models import AuditEntry
from tests.factories import ComplaintFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db


def category_data(**changes):
    data = {
        "name": "电梯", "hint": "困人、停运、异响", "accept_within_hours": "2",
        "reply_within_hours": "24", "sort_order": "90", "is_active": "on",
    }  # fmt: skip
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def handler(community, positions):
    return StaffMemberFactory(communities=[community], position_name="客服",
                              user__display_name="林客服")  # fmt: skip


@pytest.mark.req("SCMP-1")
def test_the_lists(client_for, manager, community):
    client = client_for(manager)
    html = client.get(reverse("complaints_staff:category_list")).content.decode()
    for name in ("物业服务", "环境卫生", "噪音", "邻里", "违建", "保洁"):
        assert name in html
    html = client.get(reverse("complaints_staff:department_list")).content.decode()
    for name in ("客服", "保洁", "安保", "工程", "绿化"):
        assert name in html


@pytest.mark.req("SCMP-1")
def test_a_new_category_with_its_routing_rule(client_for, manager, community, handler):
    cleaning = Department.objects.get(community=community, name="保洁")
    response = client_for(manager).post(
        reverse("complaints_staff:category_create"),
        category_data(department=cleaning.pk, handler=handler.pk, about_neighbours="on"),
    )
    assert response.status_code == 302
    category = ComplaintCategory.objects.get(community=community, name="电梯")
    assert (category.department, category.handler, category.about_neighbours) == (
        cleaning, handler, True,
    )  # fmt: skip
    assert (category.accept_within_hours, category.reply_within_hours) == (2, 24)
    entry = AuditEntry.objects.get(action="complaint.category_saved")
    assert entry.data["created"] is True and entry.data["handler"] == handler.pk


@pytest.mark.req("SCMP-1")
def test_names_are_unique_per_community(client_for, manager, community, other_community):
    client = client_for(manager)
    response = client.post(reverse("complaints_staff:category_create"), category_data(name="噪音"))
    assert response.status_code == 400
    assert "本小区已有同名的类别" in response.content.decode()
    response = client.post(reverse("complaints_staff:department_create"),
                           {"name": " 保洁 ", "sort_order": "5", "is_active": "on"})  # fmt: skip
    assert response.status_code == 400
    assert "本小区已有同名的部门" in response.content.decode()
    # Another community may use the same names.
    assert other_community.complaint_categories.filter(name="噪音").exists()


@pytest.mark.req("SCMP-1")
def test_the_routing_rule_names_only_this_communitys_handlers(
    client_for, manager, community, other_community, cashier, positions
):
    client = client_for(manager)
    elsewhere = StaffMemberFactory(communities=[other_community], position_name="客服")
    their_department = Department.objects.filter(community=other_community).first()
    for wrong in (
        {"handler": cashier.staff_member.pk},  # serves here but does not handle complaints
        {"handler": elsewhere.pk},
        {"department": their_department.pk},
    ):
        response = client.post(reverse("complaints_staff:category_create"), category_data(**wrong))
        assert response.status_code == 400, wrong
        assert "请从列表中选择" in response.content.decode()
    assert not ComplaintCategory.objects.filter(name="电梯").exists()


@pytest.mark.req("SCMP-1")
def test_the_service_refuses_a_foreign_route_too(manager, community, other_community, positions):
    elsewhere = StaffMemberFactory(communities=[other_community], position_name="客服")
    category = ComplaintCategory(community=community, name="电梯", handler=elsewhere)
    with pytest.raises(ValidationError) as refused:
        services.category_save(category=category, actor=manager)
    assert "handler" in refused.value.message_dict
    category.handler = None
    category.department = Department.objects.filter(community=other_community).first()
    with pytest.raises(ValidationError) as refused:
        services.category_save(category=category, actor=manager)
    assert "department" in refused.value.message_dict


@pytest.mark.req("SCMP-1")
def test_switched_off_never_deleted(client_for, manager, community, resident):
    noise = community.complaint_categories.get(name="噪音")
    ComplaintFactory(household=resident.residencies.get(), category=noise)
    response = client_for(manager).post(
        reverse("complaints_staff:category_edit", args=[noise.pk]),
        category_data(name="噪音", is_active=None),
    )
    assert response.status_code == 302
    noise.refresh_from_db()
    assert not noise.is_active and noise.complaints.count() == 1
    html = client_for(manager).get(reverse("complaints_staff:category_list")).content.decode()
    assert "已停用" in html


@pytest.mark.req("SCMP-1")
def test_a_department_and_its_members(client_for, manager, community, other_community, handler,
                                      positions):  # fmt: skip
    client = client_for(manager)
    response = client.post(
        reverse("complaints_staff:department_create"),
        {"name": "电梯组", "members": [handler.pk, manager.staff_member.pk], "sort_order": "50",
         "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    department = Department.objects.get(community=community, name="电梯组")
    assert set(department.members.all()) == {handler, manager.staff_member}
    entry = AuditEntry.objects.get(action="complaint.department_saved")
    assert entry.data["members"] == sorted([handler.pk, manager.staff_member.pk])
    elsewhere = StaffMemberFactory(communities=[other_community], position_name="客服")
    response = client.post(
        reverse("complaints_staff:department_edit", args=[department.pk]),
        {"name": "电梯组", "members": [elsewhere.pk], "sort_order": "50"},
    )
    assert response.status_code == 400
    assert set(department.members.all()) == {handler, manager.staff_member}
    response = client.post(
        reverse("complaints_staff:department_edit", args=[department.pk]),
        {"name": "电梯组", "members": [handler.pk], "sort_order": "50"},
    )
    assert response.status_code == 302
    department.refresh_from_db()
    assert list(department.members.all()) == [handler] and not department.is_active
    html = client.get(reverse("complaints_staff:department_list")).content.decode()
    assert "林客服" in html


def test_the_service_refuses_foreign_members(manager, community, other_community, positions):
    elsewhere = StaffMemberFactory(communities=[other_community], position_name="客服")
    department = Department(community=community, name="电梯组")
    with pytest.raises(ValidationError):
        services.department_save(department=department, members=[elsewhere], actor=manager)
    assert not Department.objects.filter(name="电梯组").exists()


@pytest.mark.req("SCMP-1")
def test_the_forms_answer_in_chinese(client_for, manager):
    response = client_for(manager).post(
        reverse("complaints_staff:category_create"),
        {"name": "", "accept_within_hours": "0", "reply_within_hours": "abc", "sort_order": ""},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "请填写类别名称" in html and "至少 1 小时" in html


URLS = [
    ("complaints_staff:category_list", None),
    ("complaints_staff:category_create", None),
    ("complaints_staff:category_edit", "complaint_category_id"),
    ("complaints_staff:department_list", None),
    ("complaints_staff:department_create", None),
    ("complaints_staff:department_edit", "department_id"),
]


def _url(community, name, kwarg):
    if kwarg is None:
        return reverse(name)
    obj = (community.complaint_categories if kwarg == "complaint_category_id"
           else community.complaint_departments).first()  # fmt: skip
    return reverse(name, kwargs={kwarg: obj.pk})


@pytest.mark.parametrize("who", ["staff_user", "cashier", "technician"])
@pytest.mark.parametrize(("name", "kwarg"), URLS)
def test_front_desk_and_cashier_may_not(client_for, request, community, who, name, kwarg):
    client = client_for(request.getfixturevalue(who))
    assert client.get(_url(community, name, kwarg)).status_code == 403


@pytest.mark.parametrize(("name", "kwarg"), [u for u in URLS if u[1]])
def test_another_communitys_category_or_department_is_a_404(
    client_for, manager, other_community, name, kwarg
):
    client = client_for(manager)
    assert client.get(_url(other_community, name, kwarg)).status_code == 404
    assert client.post(_url(other_community, name, kwarg), {"name": "x"}).status_code == 404


def test_the_lists_run_a_fixed_number_of_queries(client_for, manager, community, resident,
                                                 positions, django_assert_max_num_queries):  # fmt: skip
    client = client_for(manager)
    lists = [reverse("complaints_staff:category_list"), reverse("complaints_staff:department_list")]
    community.complaint_departments.first().members.set([manager.staff_member])
    counts = []
    for url in lists:
        with django_assert_max_num_queries(30) as few:
            assert client.get(url).status_code == 200
        counts.append(len(few.captured_queries))
    household = resident.residencies.get()
    staff = [StaffMemberFactory(communities=[community], position_name="客服") for _ in range(5)]
    for n in range(20):
        department = Department.objects.create(community=community, name=f"部门{n}")
        department.members.set(staff)
        category = ComplaintCategory.objects.create(
            community=community, name=f"类别{n}", department=department, handler=staff[n % 5]
        )
        ComplaintFactory(household=household, category=category, department=department)
    for url, count in zip(lists, counts, strict=True):
        with django_assert_max_num_queries(count):
            response = client.get(url)
        assert "部门19" in response.content.decode()

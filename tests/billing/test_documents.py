"""The receipt PDF (BIL-4) for the household and for staff, and the dunning notice (SBIL-2):
what they say, that the Chinese font travels inside the file, and who may fetch them."""

import datetime as dt
import io
import time
from decimal import Decimal as D

import pypdf
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Building, Community, PropertyCompany, Room
from billing import services
from billing.documents import receipts
from billing.documents.dunning import dunning_pdf
from billing.models import Bill
from billing.online import services as online

from ..factories import ResidencyFactory, RoomFactory, billing_actor, fee_rule


def pdf_reader(response) -> pypdf.PdfReader:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return pypdf.PdfReader(io.BytesIO(response.content))


def page_texts(response) -> list[str]:
    return [page.extract_text() for page in pdf_reader(response).pages]


def pdf_text(response) -> str:
    return "\n".join(page_texts(response))


def not_yet_due(bill: Bill) -> Bill:
    """No late fee: the bill falls due in ten days."""
    Bill.objects.filter(pk=bill.pk).update(due_date=timezone.localdate() + dt.timedelta(days=10))
    bill.refresh_from_db()
    return bill


@pytest.fixture
def receipt(published_bill, cashier):
    payment = services.counter_payment(
        bills=[not_yet_due(published_bill)], method="cash", cashier=cashier
    )
    return payment.receipt


def resident_pdf(client, receipt, **params):
    return client.get(reverse("billing:receipt_pdf", args=[receipt.pk]), params)


def staff_pdf(client, receipt, **params):
    return client.get(reverse("billing_staff:receipt_pdf", args=[receipt.pk]), params)


# --- Receipt ------------------------------------------------------------------------------------


@pytest.mark.req("BIL-4")
def test_receipt_pdf_shows_number_payer_room_items_and_amount_in_words(
    client_for, resident, receipt, community
):
    response = resident_pdf(client_for(resident), receipt)
    text = pdf_text(response)
    assert receipt.display_number in text
    assert community.company.name in text
    assert "翠湖花园" in text and "3栋1201" in text
    assert "交款人\n—" in text  # nobody named a payer: "—", as on the page and in the search
    assert "周收费" in text  # the cashier
    assert "物业服务费" in text
    assert "¥275.80" in text
    assert "贰佰柒拾伍元捌角整" in text
    assert receipt.payment.number in text


@pytest.mark.req("BIL-4")
def test_receipt_pdf_headers_inline_and_as_download(client_for, resident, receipt):
    client = client_for(resident)
    response = resident_pdf(client, receipt)
    filename = f"receipt-{receipt.display_number}.pdf"
    assert response["Content-Disposition"] == f'inline; filename="{filename}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    download = resident_pdf(client, receipt, download="1")
    assert download["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert download.content[:5] == b"%PDF-"


@pytest.mark.req("BIL-4")
def test_receipt_pdf_embeds_its_chinese_font(client_for, resident, receipt):
    reader = pdf_reader(resident_pdf(client_for(resident), receipt))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = []
    for reference in fonts.values():
        font = reference.get_object()
        for descendant in font.get("/DescendantFonts", [font]):
            descendant = descendant.get_object()
            if "/FontDescriptor" in descendant:
                descriptors.append((font["/BaseFont"], descendant["/FontDescriptor"].get_object()))
    names = " ".join(str(name) for name, _descriptor in descriptors)
    assert "WenQuanYi" in names or "LinliCJK" in names
    assert "STSong" not in names
    cjk = [d for name, d in descriptors if "WenQuanYi" in str(name) or "LinliCJK" in str(name)]
    assert cjk and all("/FontFile2" in descriptor for descriptor in cjk)


@pytest.mark.req("BIL-4")
def test_receipt_qr_code_links_to_the_public_verification_page(client_for, resident, receipt):
    reader = pdf_reader(resident_pdf(client_for(resident), receipt))
    url = settings.LINLI_SITE_URL + reverse("billing:verify", args=[receipt.token])
    links = [
        annotation.get_object()["/A"]["/URI"]
        for annotation in reader.pages[0].get("/Annots", [])
        if "/A" in annotation.get_object()
    ]
    assert links == [url]
    assert receipts.verification_url(receipt) == url


@pytest.mark.req("BIL-4")
def test_receipt_pdf_names_the_payer_given_at_the_counter(client_for, resident, published_bill):
    payment = services.counter_payment(
        bills=[not_yet_due(published_bill)], method="pos", cashier=None, payer_name="王师傅",
        reference="POS-8812",
    )  # fmt: skip
    text = pdf_text(resident_pdf(client_for(resident), payment.receipt))
    assert "王师傅" in text and "POS-8812" in text


@pytest.mark.req("BIL-4")
def test_late_fee_is_itemised_and_in_the_total(client_for, resident, published_bill, cashier):
    Bill.objects.filter(pk=published_bill.pk).update(
        due_date=timezone.localdate() - dt.timedelta(days=10)
    )
    payment = services.counter_payment(bills=[published_bill], method="cash", cashier=cashier)
    assert payment.amount == D("277.18")
    text = pdf_text(resident_pdf(client_for(resident), payment.receipt))
    assert "¥1.38" in text and "¥277.18" in text
    assert "贰佰柒拾柒元壹角捌分" in text


@pytest.mark.req("BIL-4")
def test_refunded_receipt_is_stamped(client_for, resident, receipt, manager):
    online.refund_payment(payment=receipt.payment, actor=manager, reason="重复缴费")
    text = pdf_text(resident_pdf(client_for(resident), receipt))
    assert "REFUNDED" in text and _("Refunded") in text
    assert "重复缴费" in text


@pytest.mark.req("BIL-4")
def test_family_member_gets_the_receipt_too(client_for, family_member, receipt):
    assert receipt.display_number in pdf_text(resident_pdf(client_for(family_member), receipt))


@pytest.mark.req("BIL-4")
def test_receipt_of_another_household_is_404(client_for, receipt, outsider, community):
    neighbour_room = RoomFactory(building__community=community, number="1502")
    neighbour = ResidencyFactory(room=neighbour_room, user__display_name="赵敏").user
    assert resident_pdf(client_for(neighbour), receipt).status_code == 404
    assert resident_pdf(client_for(outsider), receipt).status_code == 404


def test_receipt_pdf_needs_a_login(client, receipt):
    response = resident_pdf(client, receipt)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.req("BIL-4")
def test_staff_of_the_community_get_the_receipt_and_others_404(
    client_for, receipt, staff_user, outsider_staff, technician
):
    response = staff_pdf(client_for(staff_user), receipt, download="1")
    assert receipt.display_number in pdf_text(response)
    assert response["Content-Disposition"].startswith("attachment;")
    assert staff_pdf(client_for(outsider_staff), receipt).status_code == 404
    assert staff_pdf(client_for(technician), receipt).status_code == 403


def test_residents_cannot_use_the_staff_receipt_url(client_for, resident, receipt):
    assert staff_pdf(client_for(resident), receipt).status_code == 403


def test_receipt_pdf_is_get_only(client_for, resident, receipt):
    assert resident_pdf(client_for(resident), receipt).status_code == 200
    response = client_for(resident).post(reverse("billing:receipt_pdf", args=[receipt.pk]))
    assert response.status_code == 405


# --- Dunning notice ------------------------------------------------------------------------------


def make_rooms(community, room, count):
    """`count` more rooms in `room`'s building, each with a verified owner 业主<n>."""
    rooms = []
    for index in range(count):
        extra = RoomFactory(building=room.building, number=f"{index + 2:02d}01", floor=index + 2)
        ResidencyFactory(room=extra, user__display_name=f"业主{index + 1}")
        rooms.append(extra)
    return rooms


def publish_month(community, rule, month, manager):
    run = services.run_create(community=community, fee_rules=[rule], month=month, actor=manager)
    services.run_publish(run=run, actor=manager)
    return list(run.bills.all())


def dunning(client, bills):
    return client.get(reverse("billing_staff:dunning_pdf"), {"bill": [b.pk for b in bills]})


@pytest.mark.req("SBIL-2")
def test_dunning_notice_has_one_page_per_room_with_its_bills_and_totals(
    client_for, staff_user, community, room, resident, property_rule, manager
):
    make_rooms(community, room, 2)
    bills = publish_month(community, property_rule, dt.date(2025, 3, 1), manager)
    bills += publish_month(community, property_rule, dt.date(2025, 4, 1), manager)
    today = timezone.localdate()
    texts = page_texts(dunning(client_for(staff_user), bills))
    # Room order: 0201 (业主1) and 0301 (业主2) are below 1201 (张伟).
    rooms = sorted({bill.room for bill in bills}, key=lambda target: target.floor)
    assert len(texts) == len(rooms) == 3
    for text, target in zip(texts, rooms, strict=True):
        room_bills = [bill for bill in bills if bill.room_id == target.pk]
        outstanding = sum(bill.outstanding for bill in room_bills)
        assert outstanding == D("551.60")  # 98.50 m² × 2.80 for March and for April
        total_due = outstanding + sum(
            services.selectors.late_fee_of(bill, today) for bill in room_bills
        )
        assert target.label in text and "翠湖花园" in text
        assert receipts.yuan(total_due) in text
        assert services.rules.to_chinese_capitals(total_due) in text
        assert "物业服务费 2025年3月" in text and "物业服务费 2025年4月" in text
        assert community.service_phone in text
        assert f"{today + dt.timedelta(days=7):%Y-%m-%d}" in text  # pay by
    assert "业主1" in texts[0] and "业主2" in texts[1] and "张伟" in texts[2]


@pytest.mark.req("SBIL-2")
def test_dunning_notice_counts_days_overdue_and_late_fee_to_date(
    client_for, staff_user, published_bill
):
    Bill.objects.filter(pk=published_bill.pk).update(
        due_date=timezone.localdate() - dt.timedelta(days=10)
    )
    (text,) = page_texts(dunning(client_for(staff_user), [published_bill]))
    # 10 days × 0.05 % × 275.80 = 1.38
    assert "¥275.80" in text and "¥1.38" in text and "¥277.18" in text
    assert "贰佰柒拾柒元壹角捌分" in text
    assert " 10 " in f" {text} ".replace("\n", " ")


@pytest.mark.req("SBIL-2")
def test_dunning_notice_leaves_out_paid_bills_and_other_communities(
    client_for, staff_user, community, room, resident, other_community, outsider_room,
    property_rule, manager, cashier, last_month,
):  # fmt: skip
    bills = publish_month(community, property_rule, last_month, manager)
    other_rule = fee_rule(other_community, name="物业服务费")
    foreign = publish_month(other_community, other_rule, last_month, billing_actor(other_community))
    paid = publish_month(community, property_rule, dt.date(2025, 1, 1), manager)
    services.counter_payment(bills=paid, method="cash", cashier=cashier)
    client = client_for(staff_user)
    texts = page_texts(dunning(client, bills + foreign + paid))
    assert len(texts) == 1
    assert outsider_room.label not in texts[0] and "2025-01" not in texts[0]
    assert dunning(client, foreign).status_code == 404
    assert dunning(client, paid).status_code == 404
    assert client.get(reverse("billing_staff:dunning_pdf")).status_code == 404
    assert client.get(reverse("billing_staff:dunning_pdf"), {"bill": "x"}).status_code == 404


@pytest.mark.req("SBIL-2")
def test_dunning_notice_is_for_staff_with_view_bill_only(
    client_for, published_bill, technician, outsider_staff, resident
):
    assert dunning(client_for(technician), [published_bill]).status_code == 403
    assert dunning(client_for(resident), [published_bill]).status_code == 403
    assert dunning(client_for(outsider_staff), [published_bill]).status_code == 404


@pytest.mark.req("SBIL-2")
def test_dunning_notice_queries_do_not_grow_with_rooms(
    client_for, staff_user, community, room, resident, manager
):
    client = client_for(staff_user)

    def queries_for(rule, rooms):
        bills = publish_month(community, rule, dt.date(2025, 6, 1), manager)
        bills = [b for b in bills if b.room_id in {r.pk for r in rooms}]
        with CaptureQueriesContext(connection) as context:
            assert len(page_texts(dunning(client, bills))) == len(rooms)
        return len(context.captured_queries)

    few = [room, *make_rooms(community, room, 2)]
    small = queries_for(fee_rule(community, name="保洁费", unit_price="0.50"), few)
    many = few + make_rooms(
        community,
        # Numbered here: make_rooms adds 0201…2801 beside it, which a sequence number could be.
        RoomFactory(building__community=community, building__name="5栋", number="0101"),
        27,
    )
    large = queries_for(fee_rule(community, name="电梯费", unit_price="0.30"), many)
    assert small == large
    assert large <= 12


def test_dunning_notice_for_200_rooms_renders_in_well_under_five_seconds(community):
    """Rendering only (no database): 200 rooms with three bills each."""
    company = PropertyCompany(name="杭州翠湖物业服务有限公司", service_phone="0571-88000000")
    place = Community(name="翠湖花园", company=company, address="杭州市西湖区", pk=community.pk)
    building = Building(name="3栋", community=place)
    bills = []
    today = timezone.localdate()
    for index in range(200):
        target = Room(pk=10_000 + index, building=building, number=f"{index:04d}", floor=1)
        for month in (1, 2, 3):
            start = dt.date(2025, month, 1)
            bills.append(
                Bill(
                    room=target,
                    room_id=target.pk,
                    title=f"物业服务费 2025-{month:02d}",
                    period_start=start,
                    period_end=start + dt.timedelta(days=27),
                    due_date=start + dt.timedelta(days=45),
                    amount=D("275.80"),
                    status=Bill.Status.OVERDUE,
                    late_fee_daily_rate=D("0.0005"),
                    late_fee_cap_rate=D("0.1"),
                )  # fmt: skip
            )
    # CPU time of this process: other jobs on a busy test machine do not count against it.
    started = time.process_time()
    content = dunning_pdf(bills, community=place, today=today)
    elapsed = time.process_time() - started
    assert len(pypdf.PdfReader(io.BytesIO(content)).pages) == 200
    assert elapsed < 5

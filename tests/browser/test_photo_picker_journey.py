"""The photo picker on a phone (static/shared/photo-picker.js): a file over the server's limit
is refused on the phone with a message and never sent; a large camera photo is shrunk before it
is sent; a report refused for its description comes back with the photo still chosen, and sent
again it carries the photo, which opens in the viewer (PhotoSwipe, or WeChat's previewer
inside WeChat). The server's side is tests/repairs/test_photo_picker.py."""

import io
import re

import pytest
from playwright.sync_api import expect

from repairs.models import RepairOrder

MB = 1024 * 1024
WECHAT_AGENT = (
    "Mozilla/5.0 (Linux; Android 13; M2012K11AC Build/TKQ1.220829.002; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
    "MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN"
)


def camera_photo() -> bytes:
    """A grainy 2600×1950 JPEG of 3-4 MB, as a phone's camera takes it."""
    from PIL import Image

    size = (2600, 1950)
    grain = Image.effect_noise(size, 60).convert("RGB")
    light = Image.linear_gradient("L").resize(size).convert("RGB")
    buffer = io.BytesIO()
    Image.blend(grain, light, 0.5).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


@pytest.mark.req("REP-3")
def test_oversized_refused_on_the_phone_large_photo_shrunk_and_kept_after_a_refusal(
    open_page, live_server, transactional_db, resident, monkeypatch
):
    # The server's limit for a photo, made small so that the files stay small (the page and
    # the form read it at request time, like the real 10 MB).
    monkeypatch.setattr("kit.images.MAX_UPLOAD_BYTES", 2 * MB)
    phone = open_page("phone", resident, user_agent=WECHAT_AGENT)
    posts = []
    phone.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    phone.goto(f"{live_server.url}/repairs/new/")
    picker = phone.locator(".media-picker[data-media=photos]")
    files = "document.getElementById('id_photos').files"

    # A HEIC over the limit that the phone cannot shrink: refused next to the field, not sent.
    phone.set_input_files(
        "input[name=photos]",
        {"name": "IMG_0001.heic", "mimeType": "image/heic", "buffer": b"\0" * (2 * MB + 1)},
    )
    expect(picker.locator("[data-media-warning]")).to_contain_text(
        "「IMG_0001.heic」太大了（最多 2 MB）"
    )
    assert phone.evaluate(f"{files}.length") == 0
    assert not posts

    # A camera photo over the limit is shrunk to a JPEG of 2048 px and fits.
    original = camera_photo()
    assert len(original) > 3 * MB
    phone.set_input_files(
        "input[name=photos]", {"name": "IMG_0002.jpg", "mimeType": "image/jpeg", "buffer": original}
    )
    expect(picker.locator(".media-tile")).to_have_count(1)
    expect(picker.locator("[data-media-warning]")).to_be_hidden()
    assert phone.evaluate(f"{files}[0].size") < 2 * MB
    assert phone.evaluate(f"{files}[0].type") == "image/jpeg"

    # Sent without a description: refused, the text kept and the photo still chosen.
    phone.locator("label[for]", has_text="水电故障").first.click()
    phone.click("label[for=id_day_1]")
    phone.click("label[for=id_slot_0]")
    phone.click("button[data-submit]")
    expect(phone.locator("#repair-form-errors")).to_be_visible()
    picker = phone.locator(".media-picker[data-media=photos]")
    expect(picker.locator(".media-tile")).to_have_count(1)
    expect(picker.locator("[data-media-again]")).to_contain_text("已保留")
    assert phone.evaluate(f"{files}.length") == 1
    assert RepairOrder.objects.count() == 0

    # Sent again with the description: the order has the photo.
    phone.fill("textarea[name=description]", "卫生间洗手盆下水管漏水，从昨晚开始。")
    with phone.expect_navigation(url=re.compile(r"/repairs/\d+/$")):
        phone.click("button[data-submit]")
    order = RepairOrder.objects.get()
    assert order.attachments.filter(kind="image").count() == 1
    assert len(posts) == 2

    # On the order, the photo opens in PhotoSwipe where WeChat's bridge is missing…
    phone.locator("a[data-viewer]").first.click()
    expect(phone.locator(".pswp img.pswp__img").first).to_be_visible()
    phone.reload()
    # …and in WeChat's own previewer, with absolute addresses, where it is there.
    phone.evaluate(
        "window.previews = []; window.WeixinJSBridge = "
        "{invoke: function (name, args) { window.previews.push([name, args]); }}"
    )
    phone.locator("a[data-viewer]").first.click()
    name, args = phone.evaluate("window.previews")[0]
    assert name == "imagePreview"
    assert args["urls"] == [args["current"]]
    assert args["current"].startswith(live_server.url + f"/repairs/{order.pk}/files/")

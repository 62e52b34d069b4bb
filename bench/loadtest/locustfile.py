"""The simulated people of bench/load.py (locust): residents browsing, paying through the
sandbox, reporting repairs with photos and signing up for activities; staff working the
repair and complaint queues.

Run by bench/load.py as `locust -f bench/loadtest/locustfile.py --headless …` with LOAD_PLAN
naming the plan it wrote (the people's session cookies, bills, activities, the photo, the
sandbox gateway's address). Imports no Django: everything it needs is in the plan. Every
write the users complete is appended to the plan's journal (one JSON object a line), which
bench/load.py compares with the database afterwards.

A page that answers 4xx or 5xx where the person did nothing wrong is a failure; a staff
action refused because a colleague did it first (400, or a redirect with a message) is not."""

import itertools
import json
import os
import random
import re
import time

from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
JOURNAL = open(PLAN["journal"], "a", encoding="utf-8", buffering=1)  # noqa: SIM115
CSRF = "loadbench0csrf0token0000000000ab"  # 32 characters: Django takes it as the secret
RESIDENTS = itertools.cycle(PLAN["residents"])
STAFF = itertools.cycle(PLAN["staff"])
PHOTO = open(PLAN["photo"], "rb").read()  # noqa: SIM115
RADIO = re.compile(r'name="(category|place|day|slot)"[^>]*?value="([^"]+)"|'
                   r'value="([^"]+)"[^>]*?name="(category|place|day|slot)"')  # fmt: skip
ADDRESSES = itertools.count(1)


def journal(kind: str, **fields) -> None:
    JOURNAL.write(json.dumps({"kind": kind, "at": time.time(), **fields}) + "\n")


def form_choices(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for match in RADIO.finditer(html):
        name, value = (match.group(1), match.group(2)) if match.group(1) else match.group(4, 3)
        found.setdefault(name, []).append(value)
    return found


class Person(HttpUser):
    abstract = True

    def start_as(self, person: dict) -> None:
        self.person = person
        self.client.cookies.set(PLAN["session_cookie"], person["session"])
        self.client.cookies.set("csrftoken", CSRF)
        n = next(ADDRESSES)
        # Each person from an address of their own, as behind the proxy (per-address limits).
        self.client.headers.update({
            "X-CSRFToken": CSRF,
            "X-Forwarded-For": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
            "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) linli-load",
        })  # fmt: skip

    def get(self, path: str, name: str):
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} on {path}" + (f": {r.error!r}" if r.error else ""))
            return r


class Resident(Person):
    """A resident on a phone: mostly reading, now and then paying, reporting or signing up."""

    wait_time = between(1, 4)

    def on_start(self) -> None:
        self.start_as(next(RESIDENTS))
        self.bills = list(self.person["bills"])  # groups of open bill ids, each paid once
        self.activities = list(self.person["activities"])
        self.reported = 0

    @task(5)
    def home(self) -> None:
        self.get("/", "home")

    @task(3)
    def notices(self) -> None:
        self.get("/notices/", "notices")
        if self.person["notice"]:
            self.get(f"/notices/{self.person['notice']}/", "notice")

    @task(3)
    def bills_page(self) -> None:
        self.get("/bills/", "bills")

    @task(1)
    def history(self) -> None:
        self.get("/bills/history/", "history")

    @task(2)
    def repairs(self) -> None:
        self.get("/repairs/", "repairs")

    @task(2)
    def messages(self) -> None:
        self.get("/messages/", "messages")

    @task(1)
    def me(self) -> None:
        self.get("/me/", "me")

    @task(1)
    def activities_page(self) -> None:
        self.get("/activities/", "activities")

    @task(2)
    def pay(self) -> None:
        """Choose bills, pay at the sandbox's cashier; its gateway signs the notification, which
        reaches /pay/notify/ (sometimes twice, as providers re-send)."""
        if not self.bills:
            return self.home()
        group = self.bills.pop(0)
        bills = group["ids"]
        method = random.choice(["wechat", "alipay", "card"])
        query = "&".join(f"bills={b}" for b in bills)
        self.get(f"/bills/pay/?{query}", "pay: confirm")
        with self.client.post("/bills/pay/", data={"bills": bills, "method": method},
                              name="pay: start", catch_response=True,
                              allow_redirects=False) as r:  # fmt: skip
            match = re.search(r"/pay/sandbox/([^/]+)/", r.headers.get("Location", ""))
            if r.status_code != 302 or not match:
                r.failure(f"{r.status_code}: no sandbox cashier ({r.text[:200]!r})")
                return None
        number = match.group(1)
        self.get(f"/pay/sandbox/{number}/", "pay: sandbox cashier")
        signed = self.client.post(PLAN["gateway"], json={"method": method, "number": number},
                                  name="(gateway: sign)")  # fmt: skip
        if signed.status_code != 200:
            return None
        notice = signed.json()
        journal(
            "payment", user=self.person["id"], number=number, bills=bills, before=group["before"]
        )
        for _copy in range(2 if random.random() < 0.3 else 1):
            with self.client.post(f"/pay/notify/{method}/", data=notice["body"].encode(),
                                  headers=notice["headers"], name="pay: notify",
                                  catch_response=True) as r:  # fmt: skip
                if r.status_code != 200 or '"SUCCESS"' not in r.text:
                    r.failure(f"{r.status_code} {r.text[:200]!r}")
        self.get(f"/pay/{number}/", "pay: status")
        return None

    @task(1)
    def report_repair(self) -> None:
        if self.reported >= 2:
            return self.repairs()
        page = self.get("/repairs/new/", "repair: form")
        choices = form_choices(page.text)
        if not all(choices.get(name) for name in ("category", "place", "day", "slot")):
            page.failure("the repair form offers no category, place, day or slot")
            return None
        place = next((p for p in choices["place"] if p != "public"), choices["place"][0])
        photos = random.randint(1, 2)
        data = {
            "category": choices["category"][0],
            "place": place,
            "description": "卫生间水管接头漏水，昨晚开始，地面有积水。（压测）",
            "day": choices["day"][-1],
            "slot": choices["slot"][0],
            "contact_name": self.person["name"],
            "contact_phone": self.person["mobile"],
        }
        files = [("photos", (f"leak{n}.jpg", PHOTO, "image/jpeg")) for n in range(photos)]
        # Written first: a report whose answer never came (the run ended) may still exist.
        journal("repair-attempt", user=self.person["id"])
        with self.client.post("/repairs/new/", data=data, files=files, name="repair: report",
                              catch_response=True, allow_redirects=False) as r:  # fmt: skip
            match = re.search(r"/repairs/(\d+)/", r.headers.get("Location", ""))
            if r.status_code != 302 or not match:
                r.failure(f"{r.status_code}: not reported")
                return None
        self.reported += 1
        journal("repair", user=self.person["id"], order=int(match.group(1)), photos=photos)
        self.get(match.group(0), "repair: detail")
        return None

    @task(1)
    def sign_up(self) -> None:
        if not self.activities:
            return self.activities_page()
        activity = self.activities.pop(0)
        self.get(f"/activities/{activity['id']}/", "activity")
        journal("signup-attempt", user=self.person["id"], activity=activity["id"])
        with self.client.post(f"/activities/{activity['id']}/signup/", data=activity["data"],
                              name="activity: sign up", catch_response=True,
                              allow_redirects=False) as r:  # fmt: skip
            if r.status_code != 302:
                r.failure(f"{r.status_code}: not signed up")
                return None
        journal("signup", user=self.person["id"], activity=activity["id"])
        return None


class Staff(Person):
    """A staff member at a desk: the repair queue (accept, dispatch) and complaints (reply)."""

    wait_time = between(2, 6)
    fixed_count = int(os.environ.get("LOAD_STAFF", "0"))

    def on_start(self) -> None:
        self.start_as(next(STAFF))

    def _ids(self, html: str, pattern: str) -> list[str]:
        return sorted(set(re.findall(pattern, html)))

    def staff_post(self, path: str, data: dict, name: str) -> None:
        """A colleague may have been quicker (400 or a redirect): only 5xx and 403 are failures."""
        with self.client.post(path, data=data, name=name, catch_response=True,
                              allow_redirects=False) as r:  # fmt: skip
            if r.status_code >= 500 or r.status_code in (403, 404):
                r.failure(f"{r.status_code} on {path}")
            else:
                r.success()

    @task(3)
    def repair_queue(self) -> None:
        if not self.person["repairs"]:
            return None
        page = self.get("/staff/repairs/", "staff: repair queue")
        ids = self._ids(page.text, r'/staff/repairs/(\d+)/"')
        if not ids:
            return None
        order = random.choice(ids)
        detail = self.get(f"/staff/repairs/{order}/", "staff: repair order")
        if f"/staff/repairs/{order}/accept/" in detail.text:
            self.staff_post(f"/staff/repairs/{order}/accept/", {}, "staff: accept repair")
        technicians = re.findall(r'<option value="(\d+)"', detail.text)
        if f"/staff/repairs/{order}/assign/" in detail.text and technicians:
            self.staff_post(f"/staff/repairs/{order}/assign/",
                            {"technician": random.choice(technicians), "note": "压测派单"},
                            "staff: dispatch repair")  # fmt: skip
        return None

    @task(2)
    def complaint_queue(self) -> None:
        if not self.person["complaints"]:
            return None
        page = self.get("/staff/complaints/", "staff: complaints")
        ids = self._ids(page.text, r'/staff/complaints/(\d+)/"')
        if not ids:
            return None
        complaint = random.choice(ids)
        detail = self.get(f"/staff/complaints/{complaint}/", "staff: complaint")
        if f"/staff/complaints/{complaint}/accept/" in detail.text:
            self.staff_post(f"/staff/complaints/{complaint}/accept/", {}, "staff: accept complaint")
        elif f"/staff/complaints/{complaint}/reply/" in detail.text:
            self.staff_post(f"/staff/complaints/{complaint}/reply/",
                            {"reply": "您好，已安排人员处理，请留意后续通知。"},
                            "staff: reply complaint")  # fmt: skip
        return None

    @task(2)
    def overview(self) -> None:
        self.get("/staff/", "staff: overview")


@events.quitting.add_listener
def _close_journal(environment, **_kwargs) -> None:
    JOURNAL.close()

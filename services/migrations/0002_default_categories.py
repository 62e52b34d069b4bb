from django.db import migrations

# The kinds of service the customer named (家政服务、家电维修、快递代收 …); operators add more
# in the admin.
CATEGORIES = [
    ("家政保洁", "house-heart", 10),
    ("家电维修", "tools", 20),
    ("开锁换锁", "key", 30),
    ("搬家", "truck", 40),
    ("洗衣", "basket", 50),
    ("送水", "droplet", 60),
    ("管道疏通", "water", 70),
    ("其他", "grid", 90),
]


def add_categories(apps, schema_editor):
    category = apps.get_model("services", "ServiceCategory")
    for name, icon, order in CATEGORIES:
        category.objects.get_or_create(name=name, defaults={"icon": icon, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("services", "0001_providers_bookings_parcels_activities")]

    operations = [migrations.RunPython(add_categories, migrations.RunPython.noop)]

"""A bare Django project with one view that answers "ok": the yardstick of bench/throughput.py,
served by the same gunicorn as the product (`bench.baseline.wsgi:application`)."""

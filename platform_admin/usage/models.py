"""The usage part's models (imported by platform_admin/models.py)."""

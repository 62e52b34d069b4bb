"""The partners part's models (imported by platform_admin/models.py)."""

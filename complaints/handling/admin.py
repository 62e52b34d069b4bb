"""The operators' admin of the handling part (imported by complaints/admin.py)."""

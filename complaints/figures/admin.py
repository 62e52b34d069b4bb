"""The operators' admin of the figures part (imported by complaints/admin.py)."""

"""The operators' admin of the suggestions part (imported by complaints/admin.py)."""

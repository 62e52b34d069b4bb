"""The operators' admin of the filing part (imported by complaints/admin.py)."""

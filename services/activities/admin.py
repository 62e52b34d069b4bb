"""The operators' admin of the activities part (imported by services/admin.py)."""

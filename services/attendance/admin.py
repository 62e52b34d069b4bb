"""The operators' admin of the attendance part (imported by services/admin.py)."""

"""The operators' admin of the providers part (imported by services/admin.py)."""

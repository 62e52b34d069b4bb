"""The operators' admin of the catalogue part (imported by services/admin.py)."""

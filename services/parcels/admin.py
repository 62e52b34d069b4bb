"""The operators' admin of the parcels part (imported by services/admin.py)."""

"""The operators' admin of the bookings part (imported by services/admin.py)."""

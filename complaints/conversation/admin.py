"""The operators' admin of the conversation part (imported by complaints/admin.py)."""

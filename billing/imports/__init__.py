"""Data brought into billing from spreadsheets: meter readings (`meter_readings`)."""

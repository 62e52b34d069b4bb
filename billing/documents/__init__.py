"""The printed papers of billing, drawn with reportlab in the CJK font of `kit.fonts`."""

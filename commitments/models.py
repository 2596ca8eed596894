"""Commitment letters, notices and wall sheets, printed as PDF (coming with the printing issue)."""

"""Locale choice, text direction and locale-aware formatting for French and Arabic."""

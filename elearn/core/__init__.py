"""Shared mechanics: database base, errors, security headers, text hygiene, pagination."""

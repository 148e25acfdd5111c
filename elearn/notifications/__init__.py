"""Telling people what happened: notifications in the platform and by e-mail."""

"""Stable media URLs (re-exported so media code need not import authoring)."""

from elearn.authoring.urls import media_url  # noqa: F401

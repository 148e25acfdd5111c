"""Attacks that hit other learning platforms (security-cases T01-T50).

A package so that modules here may share a basename with one in ``tests/`` (both have a
``test_uploads.py``) without pytest refusing to collect one of them."""

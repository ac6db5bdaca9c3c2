"""Fixtures and builders the tests share."""

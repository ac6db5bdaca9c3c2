"""Inventory of devices and licences, repairs and disposal."""

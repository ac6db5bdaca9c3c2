"""Benchmarks of the event store, its ceiling, the eventsourcing library and POST /tickets: `python -m bench`."""

"""Calendars of the rotations: the RFC 5545 writer (``ics``), what each event says
(``events``), the ledger that keeps SEQUENCE and DTSTAMP honest (``ledger``), the feed of a
rotation or member (``feed``) and the HTTP server for subscriptions (``server``).

Nothing here imports Typer or Rich; ``oncall.cli.ical`` and ``oncall.cli.serve`` render.
"""

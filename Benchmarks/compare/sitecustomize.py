"""Loaded by Python at start-up when this directory is on PYTHONPATH (see twilio_base_url)."""

import twilio_base_url  # noqa: F401

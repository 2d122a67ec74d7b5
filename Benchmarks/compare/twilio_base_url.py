"""Points the official `twilio` library at the simulator: imported by sitecustomize when
SIMULATOR_BASE_URL is set, it replaces the Monitor domain's https://monitor.twilio.com. The
simulator's next_page_url already names the simulator, so only the first request is rewritten."""

import os

base = os.environ.get("SIMULATOR_BASE_URL")
if base:
    import twilio.rest.monitor as monitor

    original = monitor.Monitor.__init__

    def patched(self, twilio_client):
        original(self, twilio_client)
        self.base_url = base

    monitor.Monitor.__init__ = patched

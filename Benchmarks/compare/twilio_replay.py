"""What a user would write instead of `siem-forwarder replay`: the official twilio library lists
Monitor Events for [FROM, TO) a page of 1000 at a time and writes gzip NDJSON at level 6.

usage: twilio_replay.py ACCOUNT_SID AUTH_TOKEN FROM TO OUT.ndjson.gz"""

import gzip
import json
import sys
from datetime import datetime

from twilio.rest import Client

account, token, start, end, out = sys.argv[1:6]
client = Client(account, token)
count = 0
with gzip.open(out, "wt", compresslevel=6, encoding="utf-8") as f:
    for event in client.monitor.v1.events.stream(
        start_date=datetime.fromisoformat(start), end_date=datetime.fromisoformat(end), page_size=1000
    ):
        f.write(json.dumps(event._properties, default=str, separators=(",", ":")))
        f.write("\n")
        count += 1
print(count)

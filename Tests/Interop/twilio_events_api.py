"""The official `twilio` Python library (PyPI), unchanged, against the simulator's Events API.

Lists, creates and deletes sinks and subscriptions (and their subscribed event types) the way
a user's script would, with the library's own paging and error handling. The only difference
from a real account is the base URL: an HTTP client that sends the library's requests for
https://events.twilio.com to the simulator instead.

    python twilio_events_api.py SIMULATOR_BASE_URL [ACCOUNT_SID AUTH_TOKEN]

Exits 0 when every check holds; otherwise prints the failed check and exits 1.
"""

import sys

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

EVENTS = "https://events.twilio.com"
IAM_TYPES = ["com.twilio.iam.ip.blocked", "com.twilio.iam.ip.blocked.dryrun"]


class SimulatorHttpClient(TwilioHttpClient):
    """Sends what the library addresses to events.twilio.com to the simulator."""

    def __init__(self, base_url):
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if url.startswith(EVENTS):
            url = self.base_url + url[len(EVENTS):]
        return super().request(method, url, *args, **kwargs)


def check(condition, what):
    if not condition:
        print("FAILED: " + what, file=sys.stderr)
        sys.exit(1)


def refused(call, status, what):
    """`call` raises TwilioRestException with `status` (and Twilio's code and message)."""
    try:
        call()
    except TwilioRestException as error:
        check(error.status == status, f"{what}: HTTP {error.status}, expected {status} ({error.msg})")
        check(isinstance(error.code, int) and error.msg, f"{what}: Twilio's error shape (code {error.code!r}, message {error.msg!r})")
        return error
    check(False, f"{what}: the call succeeded")


def main():
    base_url = sys.argv[1]
    account_sid = sys.argv[2] if len(sys.argv) > 2 else "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    auth_token = sys.argv[3] if len(sys.argv) > 3 else "simulator-auth-token"
    client = Client(account_sid, auth_token, http_client=SimulatorHttpClient(base_url))
    events = client.events.v1

    check(events.sinks.list() == [], "a fresh simulator has no sinks")

    # Sinks: create three, page through them two at a time (meta.next_page_url), fetch one.
    created = []
    for number in range(3):
        sink = events.sinks.create(
            description=f"interop sink {number}",
            sink_configuration={"destination": f"http://127.0.0.1:9/hook/{number}", "method": "POST", "batch_events": True},
            sink_type="webhook",
        )
        check(sink.sid.startswith("DG") and len(sink.sid) == 34, f"sink sid {sink.sid}")
        check(sink.status == "active", f"a webhook sink starts active, not {sink.status}")
        check(sink.sink_type == "webhook", f"sink_type {sink.sink_type}")
        check(sink.sink_configuration["destination"].endswith(f"/hook/{number}"), f"sink_configuration {sink.sink_configuration}")
        check(sink.date_created is not None, "date_created parses as a datetime")
        created.append(sink.sid)
    listed = [sink.sid for sink in events.sinks.stream(page_size=2)]
    check(sorted(listed) == sorted(created), f"paged list {listed} != created {created}")
    first_page = events.sinks.page(page_size=2)
    check(len(list(first_page)) == 2 and first_page.next_page_url, "a page of two says where the next one is")
    check(len(list(first_page.next_page())) == 1, "the next page holds the third sink")
    fetched = events.sinks(created[0]).fetch()
    check(fetched.description == "interop sink 0", f"fetched description {fetched.description}")
    updated = events.sinks(created[0]).update(description="renamed")
    check(updated.description == "renamed", "a sink's description can change")

    refused(lambda: events.sinks.create(description="bad", sink_configuration={"method": "POST"}, sink_type="webhook"),
            400, "a webhook sink without a destination")
    refused(lambda: events.sinks(created[0]).sink_validate.create(test_id="not-the-test-id"),
            400, "validating with a test id Twilio did not send")

    # Types: the catalog lists the IAM types.
    types = [event_type.type for event_type in events.event_types.stream(page_size=3)]
    check(set(IAM_TYPES) <= set(types), f"/v1/Types lists the IAM types: {types}")
    check(events.event_types(IAM_TYPES[0]).fetch().schema_id == "Iam.IPBlocked", "an event type's schema_id")

    # Subscriptions: create one for the IAM types, list by sink, change its types, delete.
    subscription = events.subscriptions.create(
        description="interop subscription", sink_sid=created[0],
        types=[{"type": IAM_TYPES[0], "schema_version": 2}, {"type": IAM_TYPES[1]}],
    )
    check(subscription.sid.startswith("DF") and len(subscription.sid) == 34, f"subscription sid {subscription.sid}")
    check(subscription.sink_sid == created[0], "the subscription sends to the sink")
    check([s.sid for s in events.subscriptions.list(sink_sid=created[0])] == [subscription.sid], "listed by sink")
    check(events.subscriptions.list(sink_sid=created[1]) == [], "no subscription for another sink")
    subscribed = {e.type: e.schema_version for e in events.subscriptions(subscription.sid).subscribed_events.list()}
    check(subscribed == {IAM_TYPES[0]: 2, IAM_TYPES[1]: 2}, f"subscribed events {subscribed}")
    added = events.subscriptions(subscription.sid).subscribed_events.create(type="com.twilio.messaging.message.sent", schema_version=1)
    check(added.schema_version == 1, "a type added in a given schema version")
    events.subscriptions(subscription.sid).subscribed_events("com.twilio.messaging.message.sent").delete()
    subscribed = {e.type for e in events.subscriptions(subscription.sid).subscribed_events.list()}
    check(subscribed == set(IAM_TYPES), f"after removing the added type: {subscribed}")
    check(events.sinks.list(in_use=True)[0].sid == created[0], "InUse=true lists the subscribed sink")

    refused(lambda: events.subscriptions.create(description="x", sink_sid=created[1], types=[{"type": "com.twilio.iam.ip.unblocked"}]),
            400, "a type Twilio does not know")
    events.sinks(created[1]).sink_test.create()
    refused(lambda: events.subscriptions.create(description="x", sink_sid=created[1], types=[{"type": IAM_TYPES[0]}]),
            400, "a subscription to a sink that is validating, not active")

    check(events.subscriptions(subscription.sid).delete() is True, "deleting the subscription")
    check(events.subscriptions.list() == [], "no subscriptions left")
    for sid in created:
        check(events.sinks(sid).delete() is True, f"deleting sink {sid}")
    check(events.sinks.list() == [], "no sinks left")
    refused(lambda: events.sinks(created[0]).fetch(), 404, "a deleted sink")

    bad = Client(account_sid, "wrong-token", http_client=SimulatorHttpClient(base_url))
    refused(lambda: bad.events.v1.sinks.create(description="x", sink_configuration={"destination": "http://127.0.0.1:9/"},
                                               sink_type="webhook"), 401, "wrong credentials")
    print("ok: the twilio library listed, created and deleted sinks and subscriptions against the simulator")


if __name__ == "__main__":
    main()

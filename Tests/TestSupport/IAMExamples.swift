/// The four IAM examples of Twilio's Event Streams reference (event-streams-iam-ip-events.md),
/// exactly as printed there: pretty-printed with spaces before the colons, no `time`, a timestamp
/// in `datacontenttype`, all four sharing one `id` and `source`.
package enum IAMExamples {
    package static let blockedAPIKey = #"""
    {
      "specversion" : "1.0",
      "type" : "com.twilio.iam.ip.blocked",
      "source" : "AB00000000000000000000000001",
      "id" : "NO00000000000000000000000001",
      "dataschema" : "https://events-schemas.twilio.com/Iam.IPBlocked/2",
      "datacontenttype" : "2025-10-08T07:17:02.363Z",
      "data" : {
        "timestamp" : "1756056832164",
        "account_sid" : "AC0000000000000000000000000000001",
        "request_sid" : "RQ0000000000000000000000000000001",
        "address" : "172.253.115.138",
        "action" : "POST",
        "resource" : "/v1/Sinks",
        "authentication_method" : "API Key",
        "auth_sid" : "SK0000000000000000000000000000001"
      }
    }
    """#

    package static let blockedAuthToken = #"""
    {
      "specversion" : "1.0",
      "type" : "com.twilio.iam.ip.blocked",
      "source" : "AB00000000000000000000000001",
      "id" : "NO00000000000000000000000001",
      "dataschema" : "https://events-schemas.twilio.com/Iam.IPBlocked/2",
      "datacontenttype" : "2025-10-08T07:17:02.363Z",
      "data" : {
        "timestamp" : "1756056832164",
        "account_sid" : "AC0000000000000000000000000000001",
        "request_sid" : "RQ0000000000000000000000000000001",
        "address" : "172.253.115.138",
        "action" : "POST",
        "resource" : "/v1/Sinks",
        "authentication_method" : "Auth Token"
      }
    }
    """#

    package static let dryRunAPIKey = #"""
    {
      "specversion" : "1.0",
      "type" : "com.twilio.iam.ip.blocked.dryrun",
      "source" : "AB00000000000000000000000001",
      "id" : "NO00000000000000000000000001",
      "dataschema" : "https://events-schemas.twilio.com/Iam.IPDryRunBlocked/2",
      "datacontenttype" : "2025-10-08T07:17:02.363Z",
      "data" : {
        "timestamp" : "1756056832164",
        "account_sid" : "AC0000000000000000000000000000001",
        "request_sid" : "RQ0000000000000000000000000000001",
        "address" : "172.253.115.138",
        "action" : "POST",
        "resource" : "/v1/Sinks",
        "authentication_method" : "API Key",
        "auth_sid" : "SK0000000000000000000000000000001"
      }
    }
    """#

    package static let dryRunAuthToken = #"""
    {
      "specversion" : "1.0",
      "type" : "com.twilio.iam.ip.blocked.dryrun",
      "source" : "AB00000000000000000000000001",
      "id" : "NO00000000000000000000000001",
      "dataschema" : "https://events-schemas.twilio.com/Iam.IPDryRunBlocked/2",
      "datacontenttype" : "2025-10-08T07:17:02.363Z",
      "data" : {
        "timestamp" : "1756056832164",
        "account_sid" : "AC0000000000000000000000000000001",
        "request_sid" : "RQ0000000000000000000000000000001",
        "address" : "172.253.115.138",
        "action" : "POST",
        "resource" : "/v1/Sinks",
        "authentication_method" : "Auth Token"
      }
    }
    """#

    package static let all = [blockedAPIKey, blockedAuthToken, dryRunAPIKey, dryRunAuthToken]
}

/// One output: a unique name, a record format with its options, and a transport.
package struct OutputConfig: Sendable, Equatable {
    /// 1 to 64 of `A-Z a-z 0-9 _ . -`; unique among outputs.
    package var name: String
    package var format: OutputFormat
    package var transport: TransportConfig

    package init(name: String, format: OutputFormat, transport: TransportConfig) {
        self.name = name
        self.format = format
        self.transport = transport
    }
}

/// The record format of an output, with the options of that format.
package enum OutputFormat: Sendable, Equatable {
    case ndjson(NDJSONOptions)
    case rfc5424(RFC5424Options)
    case cef(CEFOptions)

    /// The word used for `format` in the pipeline file.
    package var name: String {
        switch self {
        case .ndjson: "ndjson"
        case .rfc5424: "rfc5424"
        case .cef: "cef"
        }
    }
}

/// Options of the NDJSON format (none yet).
package struct NDJSONOptions: Sendable, Equatable {
    package init() {}
}

/// Options of RFC 5424 syslog records.
package struct RFC5424Options: Sendable, Equatable {
    /// 0...23; 16 is local0.
    package var facility: Int
    /// HOSTNAME field; nil means the machine's host name at run time.
    package var hostname: String?
    /// APP-NAME field.
    package var appName: String
    /// The private enterprise number in the SD-ID `twilio@<PEN>`.
    package var enterpriseID: Int
    /// What goes in MSG: the event as JSON, or a short text summary.
    package var message: RFC5424Message

    /// An argument left nil takes its default, which is written here and nowhere else.
    package init(facility: Int? = nil, hostname: String? = nil, appName: String? = nil, enterpriseID: Int? = nil,
                message: RFC5424Message? = nil) {
        self.facility = facility ?? 16
        self.hostname = hostname
        self.appName = appName ?? "twilio-siem-forwarder"
        self.enterpriseID = enterpriseID ?? 32473
        self.message = message ?? .json
    }
}

/// The MSG part of an RFC 5424 record.
package enum RFC5424Message: String, Sendable, Equatable, CaseIterable {
    case json
    case text
}

/// Options of ArcSight CEF records.
package struct CEFOptions: Sendable, Equatable {
    /// Device Product header field.
    package var product: String
    /// Device Version header field.
    package var version: String
    /// Prefixes each record with an RFC 3164-style syslog header.
    package var syslogHeader: Bool
    /// 0...23, used in the syslog header.
    package var facility: Int
    /// Host name in the syslog header; nil means the machine's host name at run time.
    package var hostname: String?

    /// An argument left nil takes its default, which is written here and nowhere else.
    package init(product: String? = nil, version: String? = nil, syslogHeader: Bool? = nil, facility: Int? = nil,
                hostname: String? = nil) {
        self.product = product ?? "Twilio Events"
        self.version = version ?? "1.0"
        self.syslogHeader = syslogHeader ?? false
        self.facility = facility ?? 16
        self.hostname = hostname
    }
}

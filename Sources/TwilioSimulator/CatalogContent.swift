/// The human-looking content of generated Monitor events: IP addresses, descriptions and
/// `event_data` variants. Deliberately includes the strings that break naive JSON handling:
/// quotes, backslashes, non-ASCII (é, 日本, emoji), newlines, tabs and other control characters.
enum CatalogContent {
    /// First octets of busy public ranges (cloud providers, ISPs); private ranges appear only as
    /// the `10.x` addresses Twilio's own examples show.
    private static let publicFirstOctets: [Int] = [
        3, 13, 18, 20, 23, 24, 34, 35, 44, 47, 50, 52, 54, 63, 64, 66, 67, 68, 69, 71, 72, 73, 74, 75, 76,
        78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 104, 107,
        108, 109, 128, 130, 131, 137, 138, 141, 142, 143, 146, 147, 151, 152, 154, 157, 158, 159, 162,
        163, 165, 167, 168, 170, 173, 174, 176, 177, 178, 179, 181, 185, 186, 187, 188, 189, 190, 191,
        193, 194, 195, 196, 197, 200, 201, 202, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 216, 217,
    ]

    private static let ipv6Prefixes = ["2600:1f18", "2600:1f14", "2a02:6b8", "2001:4860", "2a03:2880", "2607:f8b0", "2a01:4f8", "2001:67c"]

    static func makeIPAddresses(using rng: inout SplitMix64) -> [String] {
        var seen = Set<String>()
        var addresses: [String] = []
        func add(_ address: String) {
            if seen.insert(address).inserted { addresses.append(address) }
        }
        while addresses.count < 240 {
            let first = publicFirstOctets[rng.nextInt(below: publicFirstOctets.count)]
            add("\(first).\(rng.nextInt(below: 256)).\(rng.nextInt(below: 256)).\(1 + rng.nextInt(below: 254))")
        }
        while addresses.count < 244 {
            add("10.\(rng.nextInt(below: 256)).\(rng.nextInt(below: 256)).\(1 + rng.nextInt(below: 254))")
        }
        while addresses.count < 272 {
            let prefix = ipv6Prefixes[rng.nextInt(below: ipv6Prefixes.count)]
            let groups = (0..<3).map { _ in String(rng.nextInt(below: 0x10000), radix: 16) }
            if rng.chance(0.5) {
                add("\(prefix):\(groups[0]):\(groups[1])::\(groups[2])")
            } else {
                let tail = (0..<2).map { _ in String(rng.nextInt(below: 0x10000), radix: 16) }
                add("\(prefix):\(groups[0]):\(groups[1]):\(groups[2]):\(tail[0]):\(tail[1]):\(String(1 + rng.nextInt(below: 0xffff), radix: 16))")
            }
        }
        // Shuffle so the busy front of the pool mixes families.
        for index in stride(from: addresses.count - 1, to: 0, by: -1) {
            addresses.swapAt(index, rng.nextInt(below: index + 1))
        }
        return addresses
    }

    static func homeIPs(count: Int, poolSize: Int, using rng: inout SplitMix64) -> [UInt16] {
        (0..<count).map { _ in UInt16(rng.nextInt(below: poolSize)) }
    }

    /// Descriptions for one event type; about a third are `null`, as in real responses.
    static func descriptions(for type: EventTypes.EventType) -> [JSONValue] {
        let resource = EventTypes.resourceTypes[type.resourceType]
        let noun = resource.noun
        let verb = type.action.verb
        return [
            .null, .null, .null, .null,
            .string("\(noun) \(verb)"),
            .string("\(noun) \(verb) via the REST API"),
            .string("\(noun) \(verb) by a user in the Twilio Console"),
            .string("\(noun) \"Main line\" was \(verb)"),
            .string("Friendly name \"Café Olé\" — \(noun.lowercased()) \(verb)"),
            .string("\(noun) \(verb); export path C:\\Twilio\\\(resource.name)\\ (imported)"),
            .string("\(noun) \(verb) for the 日本 region\nSecond line of the audit note"),
            .string("\(noun) \(verb)\ttab\u{7}bell, <b>markup</b> & emoji 🔐 'single' \"double\" \\ backslash"),
        ]
    }

    /// `event_data` variants for one action; the shapes follow the published page
    /// (`resource_properties` with previous/updated pairs for `.updated`).
    static func eventData(for action: EventTypes.Action) -> [JSONValue] {
        func change(_ previous: JSONValue, _ updated: JSONValue) -> JSONValue {
            .object([("previous", previous), ("updated", updated)])
        }
        switch action {
        case .created:
            return [
                .null,
                .object([]),
                .object([("resource_properties", .object([("friendly_name", .string("Support line")), ("status", .string("active"))]))]),
                .object([("resource_properties", .object([
                    ("friendly_name", .string("Café \"Olé\" 日本")),
                    ("voice_url", .string("https://hooks.example.com/voice?lang=fr&greeting=bonjour")),
                    ("sms_enabled", .bool(true)),
                ]))]),
                .object([("resource_properties", .object([("friendly_name", .string("Imported from C:\\exports\\numbers.csv"))]))]),
            ]
        case .updated:
            return [
                .null,
                .object([("friendly_name", change(.string("SubAccount Created at 2014-10-03 09:48 am"), .string("Mr. Friendly")))]),
                .object([("resource_properties", .object([("friendly_name", change(.string("Main line"), .string("Support \"24/7\" line")))]))]),
                .object([("resource_properties", .object([
                    ("voice_url", change(.string("https://demo.twilio.com/welcome/voice/"), .string("https://hooks.example.com/voice"))),
                    ("voice_method", change(.string("GET"), .string("POST"))),
                ]))]),
                .object([("resource_properties", .object([("status", change(.string("active"), .string("suspended")))]))]),
                .object([("resource_properties", .object([
                    ("description", change(.null, .string("path C:\\temp\\日本\nsecond line"))),
                ]))]),
                .object([("resource_properties", .object([
                    ("sms_enabled", change(.bool(false), .bool(true))),
                    ("max_price", change(.double(0.05), .int(1))),
                    ("tags", change(.array([]), .array([.string("prod"), .string("é")]))),
                ]))]),
            ]
        case .deleted:
            return [
                .null,
                .object([]),
                .object([("resource_properties", .object([("friendly_name", .string("Old line"))]))]),
            ]
        }
    }
}

/// The small tables every generated Monitor event points into — accounts and users (actors),
/// IP addresses, resources, descriptions and `event_data` variants — built once from the seed,
/// with every JSON fragment pre-rendered so serving a page only copies bytes.
final class EventCatalog: Sendable {
    static let noIndex: UInt16 = .max

    struct Actor: Sendable {
        var sid: String
        var json: [UInt8]
        var linkJSON: [UInt8]
        var homeIPs: [UInt16]
    }

    struct Resource: Sendable {
        var typeIndex: Int
        var sid: String
        var json: [UInt8]
        var linkJSON: [UInt8]
        /// Resources that share a sid (account settings all carry the account sid) share this id.
        var sidID: UInt16
    }

    /// The attributes of one event that are drawn at random (everything except sid and time).
    struct Attributes: Sendable {
        var eventType: UInt8
        var source: EventSource
        var actor: UInt16
        var ip: UInt16
        var resource: UInt16
        var variant: UInt16
    }

    let accountSid: String
    let accountJSON: [UInt8]
    /// Accounts first (the configured one at index 0), then users.
    let actors: [Actor]
    let accountCount: Int
    let ips: [String]
    let ipJSON: [[UInt8]]
    let resources: [Resource]
    let resourcesByType: [[UInt16]]
    /// Per event type: pre-rendered descriptions (`null` entries included).
    let descriptions: [[[UInt8]]]
    /// Per action: pre-rendered `event_data` values (`null` entries included).
    let eventData: [[[UInt8]]]
    let eventTypeJSON: [[UInt8]]
    let resourceTypeJSON: [[UInt8]]

    private let actorIndexBySid: [String: UInt16]
    private let ipIndexByAddress: [String: UInt16]
    private let resourceSidIDBySid: [String: UInt16]

    init(seed: UInt64, accountSid: String) {
        var rng = SplitMix64(seed: seed, stream: RandomStream.catalog, index: 0)
        self.accountSid = accountSid
        self.accountJSON = JSONWriter.escaped(accountSid)

        let ips = CatalogContent.makeIPAddresses(using: &rng)
        self.ips = ips
        self.ipJSON = ips.map(JSONWriter.escaped)
        self.ipIndexByAddress = Dictionary(ips.enumerated().map { ($1, UInt16($0)) }, uniquingKeysWith: { first, _ in first })

        var actors: [Actor] = []
        let accountSids = [accountSid] + (0..<3).map { _ in Sid128.random(using: &rng).string(prefix: "AC") }
        for sid in accountSids {
            actors.append(Actor(
                sid: sid, json: JSONWriter.escaped(sid),
                linkJSON: JSONWriter.escaped("https://api.twilio.com/2010-04-01/Accounts/\(sid)"),
                homeIPs: CatalogContent.homeIPs(count: 2 + rng.nextInt(below: 6), poolSize: ips.count, using: &rng)
            ))
        }
        self.accountCount = actors.count
        for _ in 0..<12 {
            let sid = Sid128.random(using: &rng).string(prefix: "US")
            actors.append(Actor(
                sid: sid, json: JSONWriter.escaped(sid),
                linkJSON: JSONWriter.escaped("https://iam.twilio.com/v1/Users/\(sid)"),
                homeIPs: CatalogContent.homeIPs(count: 1 + rng.nextInt(below: 3), poolSize: ips.count, using: &rng)
            ))
        }
        self.actors = actors
        self.actorIndexBySid = Dictionary(actors.enumerated().map { ($1.sid, UInt16($0)) }, uniquingKeysWith: { first, _ in first })

        var resources: [Resource] = []
        var byType: [[UInt16]] = Array(repeating: [], count: EventTypes.resourceTypes.count)
        var sidIDs: [String: UInt16] = [:]
        let apiBase = "https://api.twilio.com/2010-04-01/Accounts/\(accountSid)"
        for (typeIndex, type) in EventTypes.resourceTypes.enumerated() {
            let sids: [String]
            if type.isAccountSetting {
                sids = [accountSid]
            } else if type.name == "account" {
                sids = accountSids
            } else {
                sids = (0..<(24 + rng.nextInt(below: 40))).map { _ in Sid128.random(using: &rng).string(prefix: type.sidPrefix) }
            }
            for sid in sids {
                let link: String
                if type.name == "account" || type.isAccountSetting {
                    link = "https://api.twilio.com/2010-04-01/Accounts/\(sid)"
                } else if type.name == "wireless-sim" {
                    link = "https://wireless.twilio.com/v1/Sims/\(sid)"
                } else if let path = type.apiPath {
                    link = "\(apiBase)/\(path)/\(sid)"
                } else {
                    link = apiBase
                }
                let sidID: UInt16
                if let existing = sidIDs[sid] {
                    sidID = existing
                } else {
                    sidID = UInt16(sidIDs.count)
                    sidIDs[sid] = sidID
                }
                byType[typeIndex].append(UInt16(resources.count))
                resources.append(Resource(
                    typeIndex: typeIndex, sid: sid, json: JSONWriter.escaped(sid),
                    linkJSON: JSONWriter.escaped(link), sidID: sidID
                ))
            }
        }
        self.resources = resources
        self.resourcesByType = byType
        self.resourceSidIDBySid = sidIDs

        self.descriptions = EventTypes.eventTypes.map { CatalogContent.descriptions(for: $0).map(\.rendered) }
        self.eventData = [EventTypes.Action.created, .updated, .deleted].map { CatalogContent.eventData(for: $0).map(\.rendered) }
        self.eventTypeJSON = EventTypes.eventTypes.map { JSONWriter.escaped($0.name) }
        self.resourceTypeJSON = EventTypes.resourceTypes.map { JSONWriter.escaped($0.name) }
    }

    /// Draws the random attributes of one event.
    func drawAttributes(using rng: inout SplitMix64) -> Attributes {
        let eventType = EventTypes.weightedPickTable[Int(rng.next() & 1023)]
        let pool = resourcesByType[EventTypes.eventTypes[Int(eventType)].resourceType]
        let resource = pool[rng.nextInt(below: pool.count)]
        let sourceDraw = rng.nextInt(below: 100)
        let source: EventSource = sourceDraw < 60 ? .api : sourceDraw < 93 ? .web : .twilio
        var actor = EventCatalog.noIndex
        var ip = EventCatalog.noIndex
        switch source {
        case .api:
            actor = rng.chance(0.8) ? 0 : UInt16(1 + rng.nextInt(below: accountCount - 1))
        case .web:
            actor = UInt16(accountCount + rng.nextInt(below: actors.count - accountCount))
        case .twilio:
            break
        }
        if actor != EventCatalog.noIndex {
            let home = actors[Int(actor)].homeIPs
            if rng.chance(0.85) {
                ip = home[rng.nextInt(below: home.count)]
            } else {
                // Skewed towards the front of the pool: a few addresses are busy, most are rare.
                let u = rng.nextUnit()
                ip = UInt16(Int(u * u * Double(ips.count)))
            }
        }
        return Attributes(
            eventType: eventType, source: source, actor: actor, ip: ip, resource: resource,
            variant: UInt16(truncatingIfNeeded: rng.next())
        )
    }

    // MARK: Filter lookups (nil = the value names nothing the simulator ever generates)

    func actorIndex(sid: String) -> UInt16? { actorIndexBySid[sid] }
    func ipIndex(address: String) -> UInt16? { ipIndexByAddress[address] }
    func resourceSidID(sid: String) -> UInt16? { resourceSidIDBySid[sid] }
}

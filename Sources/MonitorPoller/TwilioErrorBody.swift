import ForwarderCore

/// Decodes the two error body shapes Twilio uses: the legacy `{code, message, more_info, status}`
/// and RFC 9457 problem+json `{type, title, status, detail, code}`.
enum TwilioErrorBody {
    static func decode(_ body: [UInt8]) -> (code: Int?, message: String?, moreInfo: String?) {
        guard let value = try? JSONReader.parse(body), case .object = value else { return (nil, nil, nil) }
        let code = value["code"]?.scalarText.flatMap { Int($0) }
        let message = value["message"]?.stringValue ?? value["detail"]?.stringValue ?? value["title"]?.stringValue
        let moreInfo = value["more_info"]?.stringValue ?? value["type"]?.stringValue
        return (code, message, moreInfo)
    }
}

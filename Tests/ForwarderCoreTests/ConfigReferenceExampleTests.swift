import Testing
@testable import ForwarderCore

/// The examples of CONFIGURATION.md, copied here so that the reference never shows a file that does not load.
@Suite("CONFIGURATION.md examples")
struct ConfigReferenceExampleTests {
    static let env = [
        "TWILIO_ACCOUNT_SID": ConfigFixture.accountSid, "TWILIO_API_KEY": ConfigFixture.apiKeySid,
        "TWILIO_AUTH_TOKEN": "auth-token",
    ]
    static let files = [
        "/run/secrets/twilio_secret": "secret\n", "/run/secrets/twilio_auth_token": "auth-token\n",
    ]

    @Test("the minimal example loads with its defaults")
    func minimalExample() throws {
        let config = try ConfigFixture.parse("""
            sources:
              monitor:
                account_sid: ${TWILIO_ACCOUNT_SID}
                password_file: /run/secrets/twilio_auth_token
            outputs:
              - name: splunk
                format: ndjson
                transport:
                  type: file
                  path: /var/log/twilio/events-{yyyy}{MM}{dd}-{seq}.ndjson.gz
            """, env: Self.env, files: Self.files)
        #expect(config.sources.monitor?.password == "auth-token")
        #expect(config.sources.monitor?.username == ConfigFixture.accountSid)
        #expect(config.outputs[0].transport == .file(FileTransportConfig(
            path: "/var/log/twilio/events-{yyyy}{MM}{dd}-{seq}.ndjson.gz", gzip: true, gzipLevel: 6,
            rotate: .gzipDefault)))
    }

    @Test("the complete example loads, with one output per transport kind")
    func completeExample() throws {
        let config = try ConfigFixture.parse("""
            state:
              dir: ./state                      # SQLite journal and cursors live here
              retention: 7d
            server:
              listen: 127.0.0.1:8080
            admin:
              token: ${ADMIN_TOKEN:-}           # empty: admin API disabled
            log:
              level: info
              format: json
            sources:
              monitor:
                base_url: https://monitor.twilio.com
                account_sid: ${TWILIO_ACCOUNT_SID}
                username: ${TWILIO_API_KEY}     # API key SID or account SID
                password_file: /run/secrets/twilio_secret   # or password: ${TWILIO_API_SECRET}
                poll_interval: 60s
                lookback: 10m
                page_size: 1000
                start_from: 2026-11-01          # or backfill: 30d
              event_streams:
                path: /webhooks/event-streams
                public_url: https://forwarder.example.com/webhooks/event-streams
                auth_token: ${TWILIO_AUTH_TOKEN}
                max_body_bytes: 1MiB
            merge:
              max_hold: 2m
            outputs:
              - name: splunk
                format: ndjson
                transport:
                  type: file
                  path: ./out/twilio-{yyyy}{MM}{dd}-{HH}{mm}{ss}-{seq}.ndjson.gz
                  rotate: { max_bytes: 64MiB, max_age: 5m }
              - name: qradar
                format: cef
                cef: { syslog_header: true }
                transport:
                  type: tls
                  host: qradar.example.com
                  port: 6514
                  ca_file: /etc/ssl/qradar-ca.pem
              - name: archive
                format: rfc5424
                rfc5424: { facility: local3, message: json }
                transport: { type: tcp, host: 127.0.0.1, port: 601, framing: octet-counting }
            """, env: Self.env, files: Self.files)
        #expect(config.outputs.map(\.name) == ["splunk", "qradar", "archive"])
        #expect(config.outputs.map(\.transport.typeName) == ["file", "tls", "tcp"])
        #expect(config.outputs[1].format == .cef(CEFOptions(syslogHeader: true)))
        #expect(config.outputs[2].format == .rfc5424(RFC5424Options(facility: 19)))
        #expect(config.outputs[1].transport == .tls(TLSTransportConfig(
            tcp: TCPTransportConfig(host: "qradar.example.com", port: 6514), caFile: "/etc/ssl/qradar-ca.pem")))
        #expect(config.sources.eventStreams?.maxBodyBytes == 1 << 20)
    }

    @Test("the reference's snippets load when put in a pipeline", arguments: [
        "state:\n  dir: /var/lib/twilio-siem-forwarder\n  retention: 14d\n",
        "server:\n  listen: 0.0.0.0:8080\n",
        "server:\n  listen: \"[::1]:8080\"\n",
        "admin:\n  token: ${ADMIN_TOKEN:-}\n",
    ])
    func snippets(snippet: String) throws {
        _ = try ConfigFixture.parse(snippet + ConfigFixture.sources + "\n" + ConfigFixture.outputs)
    }

    @Test("the reference's source and transport snippets load")
    func sourceAndTransportSnippets() throws {
        _ = try ConfigFixture.parse("""
            sources:
              monitor:
                account_sid: ${TWILIO_ACCOUNT_SID}
                username: ${TWILIO_API_KEY}           # SK…
                password_file: /run/secrets/twilio_secret
                backfill: 30d
                retry: { initial: 2s, max: 5m }
              event_streams:
                public_url: https://forwarder.example.com/webhooks/event-streams
                auth_token_file: /run/secrets/twilio_auth_token
                allow_cidrs:
                  - 10.0.0.0/8
            outputs:
              - name: files
                format: ndjson
                transport:
                  type: file
                  path: /var/log/twilio/twilio-{yyyy}{MM}{dd}-{HH}{mm}{ss}-{seq}.ndjson.gz
                  gzip_level: 6
                  rotate: { max_bytes: 64MiB, max_age: 5m }
              - name: siem
                format: rfc5424
                transport:
                  type: tls
                  host: 10.20.0.15
                  port: 6514
                  server_name: siem.example.com
                  ca_file: /etc/ssl/siem-ca.pem
              - name: udp
                format: cef
                transport: { type: udp, host: "${SIEM_HOST}", port: 514 }
            """, env: Self.env.merging(["SIEM_HOST": "siem"]) { $1 }, files: Self.files)
    }
}

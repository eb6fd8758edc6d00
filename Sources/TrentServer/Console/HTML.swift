import Foundation

/// Small helpers for server-rendered pages: every dynamic text goes through `escape`.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// `application/x-www-form-urlencoded` (and query strings) into a dictionary; last value wins.
    static func form(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    static func urlEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    static func date(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }

    /// A coloured badge for a key state.
    static func badge(_ state: String) -> String {
        let tone = switch state {
        case "Enabled": "ok"
        case "PendingImport", "Creating", "Updating": "wait"
        case "Disabled", "Unavailable": "off"
        default: "bad"
        }
        return "<span class=\"badge \(tone)\">\(escape(state))</span>"
    }

    static let stylesheet = """
    :root { --ink: #16191f; --muted: #5f6b7a; --line: #d5dbdb; --accent: #0b5fa5; --bg: #f4f6f8; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
    header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; background: #232f3e; color: #fff; }
    header a { color: #fff; text-decoration: none; font-weight: 600; }
    header a:focus, header a:hover { text-decoration: underline; }
    header .who { margin-left: auto; font-size: .9rem; color: #d5dbdb; }
    header form { margin: 0; }
    main { max-width: 70rem; margin: 1.5rem auto; padding: 0 1.2rem; }
    h1 { font-size: 1.5rem; margin: 0 0 1rem; }
    h2 { font-size: 1.15rem; margin: 1.6rem 0 .6rem; }
    .panel h2 { margin-top: 0; }
    .panel { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 1rem 1.2rem; margin-bottom: 1rem; }
    table { width: 100%; border-collapse: collapse; background: #fff; }
    th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { font-size: .85rem; color: var(--muted); }
    a { color: var(--accent); }
    dl { display: grid; grid-template-columns: 14rem 1fr; gap: .35rem 1rem; margin: 0; }
    dt { color: var(--muted); } dd { margin: 0; word-break: break-all; }
    .badge { display: inline-block; padding: .1rem .5rem; border-radius: 1rem; font-size: .8rem; font-weight: 600; }
    .badge.ok { background: #d9f2dd; color: #135c1f; } .badge.wait { background: #fff1c2; color: #6b4b00; }
    .badge.off { background: #e9ebed; color: #3b4654; } .badge.bad { background: #fde2e1; color: #8a1c12; }
    label { display: block; font-weight: 600; margin: .8rem 0 .25rem; }
    input[type=text], input[type=password], select, textarea { width: 100%; max-width: 32rem; padding: .45rem .5rem; border: 1px solid #8d99a8; border-radius: 4px; font: inherit; }
    button, .button { display: inline-block; margin-top: 1rem; padding: .45rem 1rem; border: 0; border-radius: 4px; background: var(--accent); color: #fff; font: inherit; font-weight: 600; cursor: pointer; text-decoration: none; }
    button.secondary { background: #e9ebed; color: var(--ink); }
    button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #f90; outline-offset: 2px; }
    .error { background: #fde2e1; border: 1px solid #d13212; color: #5c0f08; padding: .7rem 1rem; border-radius: 4px; margin-bottom: 1rem; }
    .hint { color: var(--muted); font-size: .9rem; }
    nav.tabs { display: flex; gap: 1rem; flex-wrap: wrap; border-bottom: 1px solid var(--line); margin-bottom: 1rem; }
    nav.tabs a { padding: .4rem 0; }
    pre { background: #fff; border: 1px solid var(--line); padding: .8rem; overflow: auto; font-size: .85rem; }
    .filters { display: flex; gap: .8rem; align-items: end; flex-wrap: wrap; margin-bottom: 1rem; }
    .filters label { margin: 0 0 .25rem; } .filters input, .filters select { width: auto; }
    .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    """
}

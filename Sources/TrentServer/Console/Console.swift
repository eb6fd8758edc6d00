import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TrentAudit
import TrentAuth
import TrentCore
import TrentCrypto
import TrentModel

/// The web console at `/console`: the flow a person follows in the AWS KMS console, rendered on the
/// server, calling the same `KeyService` as the API (so the same authorization and the same audit
/// records, with the console's user agent).
struct Console: Sendable {
    let service: KeyService
    let configuration: ServerConfiguration
    let auditLookup: AuditLookup?
    let sessions = ConsoleSessions()

    static let cookie = "trent_console"
    static let userAgent = "Trent console"

    func register(on router: Router<TrentRequestContext>) {
        router.get("/console") { request, context in await redirect(await signedIn(request) == nil ? "/console/sign-in" : "/console/keys") }
        router.get("/console/style.css") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/css; charset=utf-8"
            headers[.cacheControl] = "max-age=3600"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: HTML.stylesheet)))
        }
        router.get("/console/sign-in") { _, _ in page("Sign in", session: nil, body: signInForm(error: nil, accessKeyID: "")) }
        router.post("/console/sign-in") { request, context in try await signIn(request, context: context) }
        router.post("/console/sign-out") { request, _ in try await withSession(request, form: true) { _, token, _ in
            await sessions.end(token)
            var response = await redirect("/console/sign-in")
            response.headers[.setCookie] = "\(Self.cookie)=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0\(configuration.tls == nil ? "" : "; Secure")"
            return response
        } }
        router.get("/console/keys") { request, context in try await withSession(request) { session, _, _ in
            await keysPage(session, query: HTML.form(request.uri.query ?? ""), context: context, userAgent: request.headers[.userAgent])
        } }
        router.get("/console/keys/new") { request, _ in try await withSession(request) { session, _, _ in
            page("Create key", session: session, body: createForm(session, values: [:], error: nil))
        } }
        router.post("/console/keys") { request, context in try await withSession(request, form: true) { session, _, fields in
            await createKey(session, fields: fields, context: context, userAgent: request.headers[.userAgent])
        } }
        router.get("/console/keys/:id") { request, context in try await withSession(request) { session, _, _ in
            await keyPage(session, keyID: context.parameters.get("id") ?? "", query: HTML.form(request.uri.query ?? ""), context: context,
                          userAgent: request.headers[.userAgent])
        } }
        router.get("/console/keys/:id/import") { request, context in try await withSession(request) { session, _, _ in
            importPage(session, keyID: context.parameters.get("id") ?? "", fields: HTML.form(request.uri.query ?? ""), error: nil, notice: nil)
        } }
        router.post("/console/keys/:id/parameters") { request, context in try await withSession(request, form: true) { session, _, fields in
            await downloadParameters(session, keyID: context.parameters.get("id") ?? "", fields: fields, context: context, userAgent: request.headers[.userAgent])
        } }
        router.post("/console/keys/:id/material") { request, context in try await withSession(request, form: true) { session, _, fields in
            await uploadMaterial(session, keyID: context.parameters.get("id") ?? "", fields: fields, context: context, userAgent: request.headers[.userAgent])
        } }
        router.post("/console/keys/:id/action") { request, context in try await withSession(request, form: true) { session, _, fields in
            await keyAction(session, keyID: context.parameters.get("id") ?? "", fields: fields, context: context, userAgent: request.headers[.userAgent])
        } }
        router.get("/console/audit") { request, _ in try await withSession(request) { session, _, _ in
            await auditPage(session, query: HTML.form(request.uri.query ?? ""))
        } }
    }

    // MARK: Sessions

    private func token(_ request: Request) -> String? {
        for part in (request.headers[.cookie] ?? "").split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0] == Self.cookie { return String(pair[1]) }
        }
        return nil
    }

    private func signedIn(_ request: Request) async -> ConsoleSessions.Session? {
        guard let token = token(request) else { return nil }
        return await sessions.session(token)
    }

    /// Runs `body` for a signed-in user (else to the sign-in page); with `form`, the body must be
    /// a form carrying the session's CSRF token.
    private func withSession(
        _ request: Request, form: Bool = false,
        _ body: (ConsoleSessions.Session, String, [String: String]) async throws -> Response
    ) async throws -> Response {
        guard let token = token(request), let session = await sessions.session(token) else { return await redirect("/console/sign-in") }
        var fields: [String: String] = [:]
        if form {
            var request = request
            let buffer = try await request.collectBody(upTo: 256 * 1024)
            if let boundary = Multipart.boundary(request.headers[.contentType]) {
                // Uploaded files travel base64-encoded among the fields, under their field names.
                for part in Multipart.parse(Data(buffer: buffer), boundary: boundary) {
                    fields[part.name] = part.filename == nil ? String(decoding: part.data, as: UTF8.self) : part.data.base64EncodedString()
                }
            } else {
                fields = HTML.form(String(buffer: buffer))
            }
            guard let csrf = fields["csrf"], SigV4.constantTimeEquals(csrf, session.csrf) else {
                return Response(status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: "The form is missing its CSRF token or carries the wrong one. Reload the page and try again.")))
            }
        }
        return try await body(session, token, fields)
    }

    private func signIn(_ request: Request, context: TrentRequestContext) async throws -> Response {
        var request = request
        let fields = HTML.form(String(buffer: try await request.collectBody(upTo: 64 * 1024)))
        let accessKeyID = fields["accessKeyId"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let secret = fields["secretAccessKey"] ?? ""
        guard let known = configuration.authenticator.store.accessKey(accessKeyID),
              SigV4.constantTimeEquals(known.key.secretAccessKey, secret),
              known.key.sessionToken.map({ SigV4.constantTimeEquals($0, fields["sessionToken"] ?? "") }) ?? true,
              known.key.expiration.map({ $0 > Date() }) ?? true
        else {
            return page("Sign in", session: nil, status: .unauthorized,
                        body: signInForm(error: "The access key ID or secret access key is not correct (UnrecognizedClientException).", accessKeyID: accessKeyID))
        }
        let (token, _) = await sessions.create(for: known)
        var response = await redirect("/console/keys")
        response.headers[.setCookie] = "\(Self.cookie)=\(token); Path=/console; HttpOnly; SameSite=Strict\(configuration.tls == nil ? "" : "; Secure")"
        return response
    }

    // MARK: Calls through KeyService

    private func call(_ session: ConsoleSessions.Session, _ operation: String, region: String, context: TrentRequestContext,
                      userAgent: String?, parameters: JSONValue? = nil) -> CallContext {
        var call = CallContext(
            account: session.principal.account, region: region, requestID: UUID().uuidString.lowercased(),
            sourceIPAddress: KMSRequestHandler.ipAddress(context.remoteAddress) ?? "127.0.0.1",
            userAgent: "\(Self.userAgent) (\(userAgent?.prefix(200) ?? ""))", accessKeyID: session.accessKeyID, eventName: operation,
            requestParameters: parameters, principal: session.principal, identityPolicies: session.identityPolicies
        )
        call.secureTransport = configuration.tls != nil
        return call
    }

    /// Runs one KMS call; a refusal is audited as the API would audit it, then passed on.
    private func audited<T>(_ call: CallContext, _ body: (CallContext) async throws -> T) async throws -> T {
        do { return try await body(call) } catch let failure as KMSError {
            await service.recordFailure(call, errorCode: AWSErrorMapping.awsType(of: failure.code), errorMessage: failure.message)
            throw failure
        }
    }

    /// An AWS error in words a person understands, with its code.
    private func explain(_ error: any Error) -> String {
        guard let failure = error as? KMSError else { return "Something went wrong inside Trent." }
        let code = AWSErrorMapping.awsType(of: failure.code)
        let words = switch failure.code {
        case .accessDenied: "You are not allowed to do this."
        case .notFound: "There is no such key or alias here."
        case .invalidState: "The key is not in a state that allows this."
        case .validation: "Some of what you entered is not valid."
        case .alreadyExists: "That name is taken."
        default: "KMS refused the request."
        }
        return "\(words) \(failure.message) (\(code))"
    }

    private func region(_ query: [String: String]) -> String {
        let requested = query["region"] ?? ""
        let valid = !requested.isEmpty && requested.count <= 32 && requested.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        return valid ? requested : configuration.defaultRegion
    }

    // MARK: Pages

    private func keysPage(_ session: ConsoleSessions.Session, query: [String: String], context: TrentRequestContext, userAgent: String?) async -> Response {
        let render = page
        let region = region(query)
        let filter = (query["filter"] ?? "").lowercased()
        do {
            let page = try await service.listKeys(limit: 20, marker: query["marker"].flatMap { $0.isEmpty ? nil : $0 },
                                                  call: call(session, "ListKeys", region: region, context: context, userAgent: userAgent, parameters: .object([:])))
            let aliases = try await service.listAliases(keyID: nil, limit: 1000, marker: nil,
                                                        call: call(session, "ListAliases", region: region, context: context, userAgent: userAgent, parameters: .object([:])))
            var rows = ""
            for key in page.keys {
                let names = aliases.aliases.filter { Key.keyID(fromStorageID: $0.targetKeyID) == key.id }.map(\.name)
                let text = ([key.id, key.description, key.keySpec.rawValue, key.origin.rawValue] + names).joined(separator: " ").lowercased()
                if !filter.isEmpty, !text.contains(filter) { continue }
                rows += """
                <tr><td>\(names.map(HTML.escape).joined(separator: "<br>"))</td>
                <td><a href="/console/keys/\(HTML.escape(key.id))?region=\(HTML.urlEncode(region))">\(HTML.escape(key.id))</a></td>
                <td>\(HTML.badge(key.state.rawValue))</td><td>\(HTML.escape(key.origin.rawValue))</td>
                <td>\(HTML.escape(key.keySpec.rawValue))</td><td>\(HTML.escape(HTML.date(key.createdAt)))</td></tr>
                """
            }
            let next = page.nextMarker.map {
                "<a class=\"button\" href=\"/console/keys?region=\(HTML.urlEncode(region))&amp;filter=\(HTML.urlEncode(filter))&amp;marker=\(HTML.urlEncode($0))\">Next page</a>"
            } ?? ""
            let body = """
            <h1>Customer managed keys</h1>
            <form class="filters" method="get" action="/console/keys">
              <div><label for="region">Region</label><input type="text" id="region" name="region" value="\(HTML.escape(region))"></div>
              <div><label for="filter">Filter</label><input type="text" id="filter" name="filter" value="\(HTML.escape(filter))" placeholder="alias, key id, spec…"></div>
              <div><button type="submit" class="secondary">Apply</button></div>
              <div><a class="button" href="/console/keys/new?region=\(HTML.urlEncode(region))">Create key</a></div>
            </form>
            <table><thead><tr><th scope="col">Aliases</th><th scope="col">Key ID</th><th scope="col">Status</th><th scope="col">Origin</th><th scope="col">Key spec</th><th scope="col">Created</th></tr></thead>
            <tbody>\(rows.isEmpty ? "<tr><td colspan=\"6\">No keys in \(HTML.escape(region)).</td></tr>" : rows)</tbody></table>
            \(next)
            """
            return render("Keys", session, .ok, body)
        } catch {
            return render("Keys", session, .badRequest, "<h1>Customer managed keys</h1><div class=\"error\" role=\"alert\">\(HTML.escape(explain(error)))</div>")
        }
    }

    private func createForm(_ session: ConsoleSessions.Session, values: [String: String], error: String?) -> String {
        func option(_ name: String, _ value: String, _ label: String, selected: String) -> String {
            "<option value=\"\(value)\"\(values[name, default: selected] == value ? " selected" : "")>\(label)</option>"
        }
        let specs = ["SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "RSA_2048", "RSA_3072", "RSA_4096",
                     "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87"]
        return """
        <h1>Create key</h1>
        \(error.map { "<div class=\"error\" role=\"alert\">\(HTML.escape($0))</div>" } ?? "")
        <form class="panel" method="post" action="/console/keys">
          <input type="hidden" name="csrf" value="\(HTML.escape(session.csrf))">
          <input type="hidden" name="region" value="\(HTML.escape(values["region"] ?? configuration.defaultRegion))">
          <label for="keySpec">Key spec</label>
          <select id="keySpec" name="keySpec">\(specs.map { option("keySpec", $0, $0, selected: "SYMMETRIC_DEFAULT") }.joined())</select>
          <label for="keyUsage">Key usage</label>
          <select id="keyUsage" name="keyUsage">\(option("keyUsage", "ENCRYPT_DECRYPT", "Encrypt and decrypt", selected: "ENCRYPT_DECRYPT"))\(option("keyUsage", "SIGN_VERIFY", "Sign and verify", selected: ""))\(option("keyUsage", "GENERATE_VERIFY_MAC", "Generate and verify MAC", selected: ""))\(option("keyUsage", "KEY_AGREEMENT", "Key agreement", selected: ""))</select>
          <label for="origin">Key material origin</label>
          <select id="origin" name="origin">\(option("origin", "AWS_KMS", "KMS", selected: "AWS_KMS"))\(option("origin", "EXTERNAL", "External (Import key material)", selected: ""))</select>
          <label for="alias">Alias</label>
          <input type="text" id="alias" name="alias" value="\(HTML.escape(values["alias"] ?? ""))" placeholder="my-key (alias/ is added)">
          <label for="description">Description</label>
          <input type="text" id="description" name="description" value="\(HTML.escape(values["description"] ?? ""))">
          <label for="tags">Tags</label>
          <input type="text" id="tags" name="tags" value="\(HTML.escape(values["tags"] ?? ""))" placeholder="team=payments, env=test">
          <button type="submit">Create key</button>
        </form>
        """
    }

    private func createKey(_ session: ConsoleSessions.Session, fields: [String: String], context: TrentRequestContext, userAgent: String?) async -> Response {
        let region = region(fields)
        let tags = (fields["tags"] ?? "").split(separator: ",").compactMap { pair -> Tag? in
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            return parts.count == 2 && !parts[0].isEmpty ? Tag(key: parts[0], value: parts[1]) : nil
        }
        do {
            guard let spec = KeySpec(rawValue: fields["keySpec"] ?? ""), let origin = KeyOrigin(rawValue: fields["origin"] ?? "") else {
                throw KMSError.validation("Choose a key spec and an origin.")
            }
            let usage = spec == .symmetricDefault ? KeyUsage.encryptDecrypt : KeyUsage(rawValue: fields["keyUsage"] ?? "") ?? .encryptDecrypt
            let input = CreateKeyInput(description: fields["description"] ?? "", keySpec: spec, keyUsage: usage, origin: origin, policy: nil, tags: tags)
            let parameters: JSONValue = .object([
                "keySpec": .string(spec.rawValue), "keyUsage": .string(usage.rawValue), "origin": .string(origin.rawValue),
                "description": .string(input.description),
            ])
            // A taken alias is refused before the key is made, so a failed form leaves nothing behind.
            let aliasName = fields["alias"].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : ($0.hasPrefix("alias/") ? $0 : "alias/" + $0) }
            if let aliasName {
                try KeyService.checkAliasName(aliasName)
                let taken = try await service.listAliases(keyID: nil, limit: 1000, marker: nil, call: call(
                    session, "ListAliases", region: region, context: context, userAgent: userAgent, parameters: .object([:])
                )).aliases.contains { $0.name == aliasName }
                if taken { throw KMSError(.alreadyExists, "An alias with the name \(ARN.alias(region: region, account: session.principal.account, aliasName: aliasName)) already exists") }
            }
            let created = try await audited(call(session, "CreateKey", region: region, context: context, userAgent: userAgent, parameters: parameters)) {
                try await service.createKey(input, call: $0)
            }
            if let aliasName {
                try await audited(call(session, "CreateAlias", region: region, context: context, userAgent: userAgent,
                                       parameters: .object(["aliasName": .string(aliasName), "targetKeyId": .string(created.key.id)]))) {
                    try await service.createAlias(aliasName, targetKeyID: created.key.id, call: $0)
                }
            }
            return await redirect("/console/keys/\(created.key.id)?region=\(HTML.urlEncode(region))")
        } catch {
            return page("Create key", session: session, status: .badRequest, body: createForm(session, values: fields, error: explain(error)))
        }
    }

    private func keyPage(_ session: ConsoleSessions.Session, keyID: String, query: [String: String], context: TrentRequestContext, userAgent: String?) async -> Response {
        let region = region(query)
        do {
            let parameters: JSONValue = .object(["keyId": .string(keyID)])
            let described = try await service.describeKey(keyID, call: call(session, "DescribeKey", region: region, context: context, userAgent: userAgent, parameters: parameters))
            let key = described.key
            let aliases = try await service.listAliases(keyID: key.id, limit: 100, marker: nil,
                                                        call: call(session, "ListAliases", region: region, context: context, userAgent: userAgent, parameters: parameters))
            let policy = (try? await service.getKeyPolicy(key.id, policyName: "default",
                                                          call: call(session, "GetKeyPolicy", region: region, context: context, userAgent: userAgent, parameters: parameters))) ?? "(not allowed to read)"
            let material = described.currentMaterial
            let materialRows = key.origin == .external ? """
                <dt>Import state</dt><dd>\(material == nil ? "Pending import" : "Imported")</dd>
                <dt>Expiration model</dt><dd>\(HTML.escape(described.expirationModel?.rawValue ?? "—"))</dd>
                <dt>Expires</dt><dd>\(HTML.escape(described.validTo.map(HTML.date) ?? "—"))</dd>
                <dt>Current key material ID</dt><dd>\(HTML.escape(key.currentMaterialID ?? "—"))</dd>
                """ : """
                <dt>Origin</dt><dd>Generated by KMS</dd><dt>Current key material ID</dt><dd>\(HTML.escape(key.currentMaterialID ?? "—"))</dd>
                """
            let body = """
            <p><a href="/console/keys?region=\(HTML.urlEncode(region))">← Customer managed keys</a></p>
            <h1>\(HTML.escape(aliases.aliases.first?.name ?? key.id))</h1>
            <nav class="tabs" aria-label="Key details"><a href="#general">General configuration</a><a href="#crypto">Cryptographic configuration</a><a href="#material">Key material</a><a href="#aliases">Aliases</a><a href="#tags">Tags</a>\(key.keySpec == .symmetricDefault ? "<a href=\"#rotation\">Key rotation</a>" : "")<a href="#policy">Key policy</a></nav>
            <section id="general" class="panel"><h2>General configuration</h2><dl>
              <dt>ARN</dt><dd>\(HTML.escape(key.arn))</dd><dt>Status</dt><dd>\(HTML.badge(described.state.rawValue))</dd>
              <dt>Created</dt><dd>\(HTML.escape(HTML.date(key.createdAt)))</dd><dt>Description</dt><dd>\(HTML.escape(key.description.isEmpty ? "—" : key.description))</dd>
              <dt>Regionality</dt><dd>\(key.isMultiRegion ? "Multi-Region" : "Single-Region")</dd>
            </dl></section>
            <section id="crypto" class="panel"><h2>Cryptographic configuration</h2><dl>
              <dt>Key spec</dt><dd>\(HTML.escape(key.keySpec.rawValue))</dd><dt>Key usage</dt><dd>\(HTML.escape(key.keyUsage.rawValue))</dd>
              <dt>Origin</dt><dd>\(HTML.escape(key.origin.rawValue))</dd>
              <dt>Algorithms</dt><dd>\(HTML.escape((key.encryptionAlgorithms ?? key.signingAlgorithms ?? key.macAlgorithms ?? key.keyAgreementAlgorithms ?? []).joined(separator: ", ")))</dd>
            </dl></section>
            <section id="material" class="panel"><h2>Key material</h2><dl>\(materialRows)</dl></section>
            \(aliasesPanel(session, key: key, aliases: aliases.aliases.map(\.name), region: region))
            \(tagsPanel(session, key: key, region: region))
            \(rotationPanel(session, key: key, region: region))
            <section id="policy" class="panel"><h2>Key policy</h2>
              <form method="post" action="/console/keys/\(HTML.escape(key.id))/action">
                <input type="hidden" name="csrf" value="\(HTML.escape(session.csrf))"><input type="hidden" name="region" value="\(HTML.escape(region))">
                <input type="hidden" name="action" value="put-policy">
                <label for="policyDocument">Policy (JSON)</label>
                <textarea id="policyDocument" name="policy" rows="16" style="max-width:100%;font-family:monospace">\(HTML.escape(policy))</textarea>
                <button type="submit" class="secondary">Save key policy</button>
              </form></section>
            \(actions(session, key: key, state: described.state, region: region, hasMaterial: material != nil))
            <p><a href="/console/audit?region=\(HTML.urlEncode(region))&amp;key=\(HTML.urlEncode(key.id))">Audit log of this key</a></p>
            """
            return page(key.id, session: session, body: body)
        } catch {
            return page("Key", session: session, status: .badRequest, body: "<div class=\"error\" role=\"alert\">\(HTML.escape(explain(error)))</div>")
        }
    }

    /// A form posting one key action, with the session's CSRF token and the region.
    private func actionForm(_ session: ConsoleSessions.Session, key: Key, region: String, action: String, label: String, extra: String = "", inline: Bool = true) -> String {
        """
        <form method="post" action="/console/keys/\(HTML.escape(key.id))/action"\(inline ? " style=\"display:inline-block;margin-right:.5rem\"" : "")>
          <input type="hidden" name="csrf" value="\(HTML.escape(session.csrf))"><input type="hidden" name="region" value="\(HTML.escape(region))">
          <input type="hidden" name="action" value="\(action)">\(extra)<button type="submit" class="secondary">\(label)</button></form>
        """
    }

    private func aliasesPanel(_ session: ConsoleSessions.Session, key: Key, aliases: [String], region: String) -> String {
        let rows = aliases.map { name in
            "<li>\(HTML.escape(name)) " + actionForm(session, key: key, region: region, action: "delete-alias", label: "Delete alias <span class=\"visually-hidden\">\(HTML.escape(name))</span>",
                                                     extra: "<input type=\"hidden\" name=\"alias\" value=\"\(HTML.escape(name))\">") + "</li>"
        }
        return """
        <section id="aliases" class="panel"><h2>Aliases</h2>\(aliases.isEmpty ? "<p>No aliases.</p>" : "<ul>" + rows.joined() + "</ul>")
        \(actionForm(session, key: key, region: region, action: "add-alias", label: "Add alias",
                     extra: "<label for=\"newAlias\">New alias</label><input type=\"text\" id=\"newAlias\" name=\"alias\" placeholder=\"alias/my-key\">", inline: false))
        </section>
        """
    }

    private func tagsPanel(_ session: ConsoleSessions.Session, key: Key, region: String) -> String {
        let rows = key.tags.map { tag in
            "<tr><td>\(HTML.escape(tag.key))</td><td>\(HTML.escape(tag.value))</td><td>"
                + actionForm(session, key: key, region: region, action: "untag", label: "Remove tag <span class=\"visually-hidden\">\(HTML.escape(tag.key))</span>",
                             extra: "<input type=\"hidden\" name=\"tagKey\" value=\"\(HTML.escape(tag.key))\">") + "</td></tr>"
        }
        return """
        <section id="tags" class="panel"><h2>Tags</h2>\(key.tags.isEmpty ? "<p>No tags.</p>" : "<table><thead><tr><th>Tag key</th><th>Tag value</th><th></th></tr></thead><tbody>" + rows.joined() + "</tbody></table>")
        \(actionForm(session, key: key, region: region, action: "tag", label: "Save tag",
                     extra: "<label for=\"tagKey\">Tag key</label><input type=\"text\" id=\"tagKey\" name=\"tagKey\"><label for=\"tagValue\">Tag value</label><input type=\"text\" id=\"tagValue\" name=\"tagValue\">", inline: false))
        </section>
        """
    }

    /// Automatic rotation (KMS-made symmetric keys) and on-demand rotation (also imported material).
    private func rotationPanel(_ session: ConsoleSessions.Session, key: Key, region: String) -> String {
        guard key.keySpec == .symmetricDefault else { return "" }
        var out = "<section id=\"rotation\" class=\"panel\"><h2>Key rotation</h2><dl>"
        if key.origin == .awsKMS {
            out += "<dt>Automatic rotation</dt><dd>\(key.rotationPeriodInDays.map { "Every \($0) days" } ?? "Disabled")</dd>"
            out += "<dt>Next rotation</dt><dd>\(HTML.escape(key.nextRotationDate.map(HTML.date) ?? "—"))</dd></dl>"
            out += key.rotationPeriodInDays == nil
                ? actionForm(session, key: key, region: region, action: "enable-rotation", label: "Enable automatic rotation",
                             extra: "<label for=\"period\" style=\"display:inline;margin-right:.3rem\">Rotation period (days)</label><input type=\"text\" id=\"period\" name=\"period\" value=\"365\" style=\"width:5rem\">")
                : actionForm(session, key: key, region: region, action: "disable-rotation", label: "Disable automatic rotation")
        } else {
            out += "<dt>Rotation</dt><dd>On demand, to key material imported as new key material</dd></dl>"
        }
        out += actionForm(session, key: key, region: region, action: "rotate-now", label: "Rotate now")
        return out + "</section>"
    }

    /// The key's actions: key material (EXTERNAL keys), enable/disable, deletion.
    private func actions(_ session: ConsoleSessions.Session, key: Key, state: KeyState, region: String, hasMaterial: Bool) -> String {
        func button(_ action: String, _ label: String, extra: String = "") -> String {
            actionForm(session, key: key, region: region, action: action, label: label, extra: extra)
        }
        var out = "<section id=\"actions\" class=\"panel\"><h2>Key actions</h2>"
        if key.origin == .external {
            out += "<p><a class=\"button\" href=\"/console/keys/\(HTML.escape(key.id))/import?region=\(HTML.urlEncode(region))\">Upload key material</a></p>"
            if hasMaterial { out += button("delete-material", "Delete key material") }
        }
        switch state {
        case .enabled: out += button("disable", "Disable key")
        case .disabled: out += button("enable", "Enable key")
        case .pendingDeletion: out += button("cancel-deletion", "Cancel key deletion")
        default: break
        }
        if !state.isBeingDeleted {
            out += button("schedule-deletion", "Schedule key deletion",
                          extra: "<label for=\"days\" style=\"display:inline;margin-right:.3rem\">Waiting period (days)</label><input type=\"text\" id=\"days\" name=\"days\" value=\"30\" size=\"3\" style=\"width:4rem\">")
        }
        return out + "</section>"
    }

    private func keyAction(_ session: ConsoleSessions.Session, keyID: String, fields: [String: String], context: TrentRequestContext, userAgent: String?) async -> Response {
        let region = region(fields)
        let action = fields["action"] ?? ""
        let parameters: JSONValue = .object(["keyId": .string(keyID)])
        do {
            switch action {
            case "enable":
                try await audited(call(session, "EnableKey", region: region, context: context, userAgent: userAgent, parameters: parameters)) { try await service.enableKey(keyID, call: $0) }
            case "disable":
                try await audited(call(session, "DisableKey", region: region, context: context, userAgent: userAgent, parameters: parameters)) { try await service.disableKey(keyID, call: $0) }
            case "cancel-deletion":
                _ = try await audited(call(session, "CancelKeyDeletion", region: region, context: context, userAgent: userAgent, parameters: parameters)) { try await service.cancelKeyDeletion(keyID, call: $0) }
            case "schedule-deletion":
                guard let days = Int(fields["days"] ?? "") else { throw KMSError.validation("The waiting period must be a number of days.") }
                try KMS.ScheduleKeyDeletionRequest(keyId: keyID, pendingWindowInDays: days).checkModelConstraints()
                _ = try await audited(call(session, "ScheduleKeyDeletion", region: region, context: context, userAgent: userAgent,
                                           parameters: .object(["keyId": .string(keyID), "pendingWindowInDays": .number(Double(days))]))) {
                    try await service.scheduleKeyDeletion(keyID, pendingWindowInDays: days, call: $0)
                }
            case "put-policy":
                let document = fields["policy"] ?? ""
                try await audited(call(session, "PutKeyPolicy", region: region, context: context, userAgent: userAgent,
                                       parameters: .object(["keyId": .string(keyID), "policyName": .string("default"), "policy": .string(document)]))) {
                    try await service.putKeyPolicy(keyID, policyName: "default", policy: document, call: $0)
                }
            case "add-alias", "delete-alias":
                let name = (fields["alias"] ?? "").trimmingCharacters(in: .whitespaces)
                let aliasName = name.hasPrefix("alias/") ? name : "alias/" + name
                try KMS.DeleteAliasRequest(aliasName: aliasName).checkModelConstraints()
                if action == "add-alias" {
                    try await audited(call(session, "CreateAlias", region: region, context: context, userAgent: userAgent,
                                           parameters: .object(["aliasName": .string(aliasName), "targetKeyId": .string(keyID)]))) {
                        try await service.createAlias(aliasName, targetKeyID: keyID, call: $0)
                    }
                } else {
                    try await audited(call(session, "DeleteAlias", region: region, context: context, userAgent: userAgent,
                                           parameters: .object(["aliasName": .string(aliasName)]))) {
                        try await service.deleteAlias(aliasName, call: $0)
                    }
                }
            case "tag":
                let tag = Tag(key: (fields["tagKey"] ?? "").trimmingCharacters(in: .whitespaces), value: fields["tagValue"] ?? "")
                try KMS.TagResourceRequest(keyId: keyID, tags: [KMS.Tag(tagKey: tag.key, tagValue: tag.value)]).checkModelConstraints()
                try await audited(call(session, "TagResource", region: region, context: context, userAgent: userAgent,
                                       parameters: .object(["keyId": .string(keyID), "tags": .array([.object(["tagKey": .string(tag.key), "tagValue": .string(tag.value)])])]))) {
                    try await service.tagResource(keyID, tags: [tag], call: $0)
                }
            case "untag":
                let tagKey = fields["tagKey"] ?? ""
                try await audited(call(session, "UntagResource", region: region, context: context, userAgent: userAgent,
                                       parameters: .object(["keyId": .string(keyID), "tagKeys": .array([.string(tagKey)])]))) {
                    try await service.untagResource(keyID, tagKeys: [tagKey], call: $0)
                }
            case "enable-rotation":
                guard let period = Int(fields["period"] ?? "") else { throw KMSError.validation("The rotation period must be a number of days.") }
                try KMS.EnableKeyRotationRequest(keyId: keyID, rotationPeriodInDays: period).checkModelConstraints()
                try await audited(call(session, "EnableKeyRotation", region: region, context: context, userAgent: userAgent,
                                       parameters: .object(["keyId": .string(keyID), "rotationPeriodInDays": .number(Double(period))]))) {
                    try await service.enableKeyRotation(keyID, periodInDays: period, call: $0)
                }
            case "disable-rotation":
                try await audited(call(session, "DisableKeyRotation", region: region, context: context, userAgent: userAgent, parameters: parameters)) {
                    try await service.disableKeyRotation(keyID, call: $0)
                }
            case "rotate-now":
                _ = try await audited(call(session, "RotateKeyOnDemand", region: region, context: context, userAgent: userAgent, parameters: parameters)) {
                    try await service.rotateKeyOnDemand(keyID, call: $0)
                }
            case "delete-material":
                _ = try await audited(call(session, "DeleteImportedKeyMaterial", region: region, context: context, userAgent: userAgent, parameters: parameters)) {
                    try await service.deleteImportedKeyMaterial(keyID, keyMaterialID: nil, call: $0)
                }
            default: throw KMSError.validation("Unknown action.")
            }
            return await redirect("/console/keys/\(HTML.urlEncode(keyID))?region=\(HTML.urlEncode(region))")
        } catch {
            return page("Key", session: session, status: .badRequest, body: "<div class=\"error\" role=\"alert\">\(HTML.escape(explain(error)))</div><p><a href=\"/console/keys/\(HTML.escape(keyID))?region=\(HTML.urlEncode(region))\">Back to the key</a></p>")
        }
    }

    /// Download the wrapping key and import token; upload wrapped key material.
    private func importPage(_ session: ConsoleSessions.Session, keyID: String, fields: [String: String], error: String?, notice: String?) -> Response {
        let region = region(fields)
        func option(_ name: String, _ value: String, _ fallback: String) -> String {
            "<option value=\"\(value)\"\(fields[name, default: fallback] == value ? " selected" : "")>\(value)</option>"
        }
        let now = Date()
        let local = DateFormatter()
        local.locale = Locale(identifier: "en_US_POSIX")
        local.timeZone = TimeZone(identifier: "UTC")
        local.dateFormat = "yyyy-MM-dd'T'HH:mm"
        let expires = fields["expiration", default: "expires"] == "expires"
        let body = """
        <p><a href="/console/keys/\(HTML.escape(keyID))?region=\(HTML.urlEncode(region))">← Key \(HTML.escape(keyID))</a></p>
        <h1>Import key material</h1>
        \(error.map { "<div class=\"error\" role=\"alert\">\(HTML.escape($0))</div>" } ?? "")
        \(notice.map { "<div class=\"panel\" role=\"status\">\(HTML.escape($0))</div>" } ?? "")
        <form class="panel" method="post" action="/console/keys/\(HTML.escape(keyID))/parameters">
          <h2>1. Download wrapping public key and import token</h2>
          <input type="hidden" name="csrf" value="\(HTML.escape(session.csrf))"><input type="hidden" name="region" value="\(HTML.escape(region))">
          <label for="wrappingKeySpec">Wrapping key spec</label>
          <select id="wrappingKeySpec" name="wrappingKeySpec">\(["RSA_2048", "RSA_3072", "RSA_4096"].map { option("wrappingKeySpec", $0, "RSA_3072") }.joined())</select>
          <label for="wrappingAlgorithm">Wrapping algorithm</label>
          <select id="wrappingAlgorithm" name="wrappingAlgorithm">\(["RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1"].map { option("wrappingAlgorithm", $0, "RSAES_OAEP_SHA_256") }.joined())</select>
          <p class="hint">A zip with WrappingPublicKey.bin, ImportToken.bin and a README with the wrapping commands; the token is valid for 24 hours.</p>
          <button type="submit">Download wrapping public key and import token</button>
        </form>
        <form class="panel" method="post" action="/console/keys/\(HTML.escape(keyID))/material" enctype="multipart/form-data">
          <h2>2. Upload key material</h2>
          <input type="hidden" name="csrf" value="\(HTML.escape(session.csrf))"><input type="hidden" name="region" value="\(HTML.escape(region))">
          <label for="wrappedKeyMaterial">Wrapped key material — Choose file</label>
          <input type="file" id="wrappedKeyMaterial" name="wrappedKeyMaterial" required>
          <label for="importToken">Import token — Choose file</label>
          <input type="file" id="importToken" name="importToken" required>
          <fieldset style="margin-top:1rem;border:0;padding:0"><legend style="font-weight:600">Expiration option</legend>
            <label style="font-weight:400"><input type="radio" name="expiration" value="expires"\(expires ? " checked" : "")> Key material expires</label>
            <label for="validTo" style="font-weight:400;margin-left:1.6rem">Expiration date and time (UTC)</label>
            <input type="datetime-local" id="validTo" name="validTo" style="margin-left:1.6rem;max-width:16rem" min="\(local.string(from: now))" max="\(local.string(from: now.addingTimeInterval(365 * 86400)))" value="\(HTML.escape(fields["validTo"] ?? local.string(from: now.addingTimeInterval(90 * 86400))))">
            <label style="font-weight:400"><input type="radio" name="expiration" value="never"\(expires ? "" : " checked")> Key material does not expire</label>
          </fieldset>
          <button type="submit">Upload key material</button>
        </form>
        """
        return page("Import key material", session: session, status: error == nil ? .ok : .badRequest, body: body)
    }

    private func downloadParameters(_ session: ConsoleSessions.Session, keyID: String, fields: [String: String], context: TrentRequestContext, userAgent: String?) async -> Response {
        let region = region(fields)
        do {
            guard let algorithm = WrappingAlgorithm(rawValue: fields["wrappingAlgorithm"] ?? ""), let spec = WrappingKeySpec(rawValue: fields["wrappingKeySpec"] ?? "") else {
                throw KMSError.validation("Choose a wrapping key spec and a wrapping algorithm.")
            }
            let parameters: JSONValue = .object(["keyId": .string(keyID), "wrappingAlgorithm": .string(algorithm.rawValue), "wrappingKeySpec": .string(spec.rawValue)])
            let result = try await audited(call(session, "GetParametersForImport", region: region, context: context, userAgent: userAgent, parameters: parameters)) {
                try await service.getParametersForImport(keyID, algorithm: algorithm, spec: spec, call: $0)
            }
            let expiry = ISO8601DateFormatter().string(from: result.parametersValidTo)
            let readme = Self.wrappingReadme(keyID: result.key.id, algorithm: algorithm, spec: spec, expiry: expiry)
            let zip = Zip.archive([("WrappingPublicKey.bin", result.publicKey), ("ImportToken.bin", result.importToken), ("README.txt", Data(readme.utf8))])
            var headers = HTTPFields()
            headers[.contentType] = "application/zip"
            headers[.contentDisposition] = "attachment; filename=\"ImportParameters-\(result.key.id).zip\""
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: zip)))
        } catch {
            return importPage(session, keyID: keyID, fields: fields, error: explain(error), notice: nil)
        }
    }

    static func wrappingReadme(keyID: String, algorithm: WrappingAlgorithm, spec: WrappingKeySpec, expiry: String) -> String {
        let md = algorithm == .rsaesOAEPSHA1 || algorithm == .rsaAESKeyWrapSHA1 ? "sha1" : "sha256"
        let openssl = algorithm.isKeyWrap ? """
            openssl rand -out aes-key.bin 32
            openssl enc -id-aes256-wrap-pad -K $(xxd -p < aes-key.bin | tr -d '\\n') -iv A65959A6 -in PlaintextKeyMaterial.bin -out key_material_wrapped.bin
            openssl pkeyutl -encrypt -in aes-key.bin -out aes-key_wrapped.bin -inkey WrappingPublicKey.bin -keyform DER -pubin \\
                -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:\(md) -pkeyopt rsa_mgf1_md:\(md)
            cat aes-key_wrapped.bin key_material_wrapped.bin > EncryptedKeyMaterial.bin
            """ : """
            openssl pkeyutl -encrypt -in PlaintextKeyMaterial.bin -out EncryptedKeyMaterial.bin -inkey WrappingPublicKey.bin -keyform DER -pubin \\
                -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:\(md) -pkeyopt rsa_mgf1_md:\(md)
            """
        return """
        Import parameters for KMS key \(keyID)

        Wrapping key spec:  \(spec.rawValue)
        Wrapping algorithm: \(algorithm.rawValue)
        Valid until:        \(expiry) (the import token and wrapping key expire then)

        Wrap your key material (PlaintextKeyMaterial.bin) with OpenSSL 3:

        \(openssl)

        or with trent byok:

            trent byok wrap --public-key WrappingPublicKey.bin --algorithm \(algorithm.rawValue) \\
                --key-material PlaintextKeyMaterial.bin --out EncryptedKeyMaterial.bin

        Then upload EncryptedKeyMaterial.bin and ImportToken.bin in the console ("Upload key material").
        """
    }

    private func uploadMaterial(_ session: ConsoleSessions.Session, keyID: String, fields: [String: String], context: TrentRequestContext, userAgent: String?) async -> Response {
        let region = region(fields)
        do {
            guard let wrapped = fields["wrappedKeyMaterial"].flatMap({ Data(base64Encoded: $0) }), !wrapped.isEmpty,
                  let token = fields["importToken"].flatMap({ Data(base64Encoded: $0) }), !token.isEmpty
            else { throw KMSError.validation("Choose the wrapped key material file and the import token file.") }
            let expires = fields["expiration"] != "never"
            var validTo: Date?
            if expires {
                let local = DateFormatter()
                local.locale = Locale(identifier: "en_US_POSIX")
                local.timeZone = TimeZone(identifier: "UTC")
                local.dateFormat = (fields["validTo"] ?? "").count > 16 ? "yyyy-MM-dd'T'HH:mm:ss" : "yyyy-MM-dd'T'HH:mm"
                guard let date = local.date(from: fields["validTo"] ?? "") else { throw KMSError.validation("Choose when the key material expires.") }
                validTo = date
            }
            let input = ImportKeyMaterialInput(
                keyID: keyID, importToken: token, encryptedKeyMaterial: wrapped,
                expirationModel: expires ? .keyMaterialExpires : .keyMaterialDoesNotExpire, validTo: validTo, importType: nil, keyMaterialID: nil
            )
            var parameters: [String: JSONValue] = ["keyId": .string(keyID), "expirationModel": .string(input.expirationModel!.rawValue)]
            if let validTo { parameters["validTo"] = .string(AuditDates.format(validTo)) }
            _ = try await audited(call(session, "ImportKeyMaterial", region: region, context: context, userAgent: userAgent, parameters: .object(parameters))) {
                try await service.importKeyMaterial(input, call: $0)
            }
            return await redirect("/console/keys/\(HTML.urlEncode(keyID))?region=\(HTML.urlEncode(region))")
        } catch {
            return importPage(session, keyID: keyID, fields: fields.filter { $0.key != "wrappedKeyMaterial" && $0.key != "importToken" }, error: explain(error), notice: nil)
        }
    }

    private func auditPage(_ session: ConsoleSessions.Session, query: [String: String]) async -> Response {
        let region = region(query)
        let eventName = query["event"].flatMap { $0.isEmpty ? nil : $0 }
        let keyFilter = query["key"].flatMap { $0.isEmpty ? nil : $0 }
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "UTC")
        day.dateFormat = "yyyy-MM-dd"
        let from = query["from"].flatMap { day.date(from: $0) }
        let to = query["to"].flatMap { day.date(from: $0) }.map { $0.addingTimeInterval(86400 - 0.001) }
        // The console shows CloudTrail's LookupEvents: the same permission, the caller's account only.
        var probe = CallContext(account: session.principal.account, region: region, requestID: "", sourceIPAddress: "", userAgent: Self.userAgent,
                                accessKeyID: session.accessKeyID, eventName: "LookupEvents", requestParameters: nil,
                                principal: session.principal, identityPolicies: session.identityPolicies)
        probe.secureTransport = configuration.tls != nil
        do {
            try service.authorizeWithoutKey(probe, action: "cloudtrail:LookupEvents")
            guard let auditLookup else { throw KMSError(.internal, "no audit lookup") }
            let attribute: (key: String, value: String)? = eventName.map { ("EventName", $0) } ?? keyFilter.map { ("ResourceName", $0) }
            let found = try await auditLookup.lookup(account: session.principal.account, region: region, attribute: attribute, start: from, end: to,
                                                     maxResults: 50, nextToken: nil)
            let events = found.events.filter { event in keyFilter.map { k in event.resourceARNs.contains { $0.hasSuffix("/" + k) } } ?? true }
            let rows = events.map { event in
                """
                <tr><td>\(HTML.escape(HTML.date(event.eventTime)))</td><td>\(HTML.escape(event.eventName))</td>
                <td>\(HTML.escape(event.errorCode ?? "—"))</td><td>\(HTML.escape(event.resourceARNs.first ?? "—"))</td>
                <td><details><summary>JSON</summary><pre>\(HTML.escape(CloudTrailRecord.json(event, pretty: true)))</pre></details></td></tr>
                """
            }.joined()
            let body = """
            <h1>Audit log</h1>
            <form class="filters" method="get" action="/console/audit">
              <div><label for="region">Region</label><input type="text" id="region" name="region" value="\(HTML.escape(region))"></div>
              <div><label for="event">Event name</label><input type="text" id="event" name="event" value="\(HTML.escape(eventName ?? ""))" placeholder="ImportKeyMaterial"></div>
              <div><label for="key">Key ID</label><input type="text" id="key" name="key" value="\(HTML.escape(keyFilter ?? ""))"></div>
              <div><label for="from">From (UTC)</label><input type="date" id="from" name="from" value="\(HTML.escape(query["from"] ?? ""))"></div>
              <div><label for="to">To (UTC)</label><input type="date" id="to" name="to" value="\(HTML.escape(query["to"] ?? ""))"></div>
              <div><button type="submit" class="secondary">Apply</button></div>
              <div><a class="button" href="/console/audit?region=\(HTML.urlEncode(region))&amp;event=ImportKeyMaterial">Imports of key material</a></div>
            </form>
            <table><thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Error</th><th scope="col">Resource</th><th scope="col">Record</th></tr></thead>
            <tbody>\(rows.isEmpty ? "<tr><td colspan=\"5\">No records.</td></tr>" : rows)</tbody></table>
            """
            return page("Audit log", session: session, body: body)
        } catch {
            return page("Audit log", session: session, status: .badRequest, body: "<h1>Audit log</h1><div class=\"error\" role=\"alert\">\(HTML.escape(explain(error)))</div>")
        }
    }

    // MARK: Layout

    private func signInForm(error: String?, accessKeyID: String) -> String {
        """
        <h1>Sign in to Trent</h1>
        \(error.map { "<div class=\"error\" role=\"alert\">\(HTML.escape($0))</div>" } ?? "")
        <form class="panel" method="post" action="/console/sign-in">
          <label for="accessKeyId">Access key ID</label>
          <input type="text" id="accessKeyId" name="accessKeyId" value="\(HTML.escape(accessKeyID))" autocomplete="username" required>
          <label for="secretAccessKey">Secret access key</label>
          <input type="password" id="secretAccessKey" name="secretAccessKey" autocomplete="current-password" required>
          <label for="sessionToken">Session token <span class="hint">(temporary credentials only)</span></label>
          <input type="password" id="sessionToken" name="sessionToken" autocomplete="off">
          <button type="submit">Sign in</button>
        </form>
        <p class="hint">The same credentials the API uses (the credentials file of <code>trent serve</code>).</p>
        """
    }

    private func page(_ title: String, session: ConsoleSessions.Session?, status: HTTPResponse.Status = .ok, body: String) -> Response {
        let nav = session.map { session in
            """
            <a href="/console/keys">Keys</a><a href="/console/audit">Audit log</a>
            <span class="who">\(HTML.escape(session.principal.arn))</span>
            <form method="post" action="/console/sign-out"><input type="hidden" name="csrf" value="\(HTML.escape(session.csrf))"><button type="submit" class="secondary" style="margin:0">Sign out</button></form>
            """
        } ?? ""
        let html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title)) · Trent</title><link rel="stylesheet" href="/console/style.css"></head>
        <body><header><a href="/console">Trent KMS</a>\(nav)</header><main>\(body)</main></body></html>
        """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'self'; style-src 'self'; frame-ancestors 'none'"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    private func redirect(_ location: String) async -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}

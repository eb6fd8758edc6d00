import ArgumentParser
import Foundation

/// `trent root-key rotate`: asks the running server to rotate its root key, and waits.
struct RootKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "root-key",
        abstract: "Manage the root key that seals all key material at rest.",
        subcommands: [Rotate.self]
    )

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rotate the root key of a running `trent serve`, without stopping it.",
            discussion: """
            The server adds a new root key version (to the key file or the PKCS#11 token), re-seals \
            every stored key material version, import parameter set and the audit signing key under \
            it while it keeps answering requests, then retires the old version. Ciphertexts made \
            before stay valid; import tokens and grant tokens issued before the rotation do not.
            """
        )

        @Option(name: .customLong("data-dir"), help: "Data directory of the running server (TRENT_DATA_DIR; default ~/.local/share/trent).")
        var dataDir: String?

        @Option(help: "Seconds to wait for the server to finish (default 600).")
        var timeout: Double = 600

        func run() async throws {
            let directory = DataDirectory.resolve(dataDir)
            guard ["root.key", "root.key.token"].contains(where: { FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0)) }) else {
                throw ValidationError("no Trent data directory at \(directory)")
            }
            let request = UUID().uuidString
            let requestPath = (directory as NSString).appendingPathComponent("root-key-rotation.request")
            let statusPath = (directory as NSString).appendingPathComponent("root-key-rotation.status")
            guard FileManager.default.createFile(atPath: requestPath, contents: Data(request.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw ValidationError("cannot write \(requestPath)")
            }
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if let data = FileManager.default.contents(atPath: statusPath),
                   let status = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], status["request"] as? String == request {
                    print(String(decoding: data, as: UTF8.self))
                    if status["state"] as? String != "completed" { throw ExitCode(1) }
                    return
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            try? FileManager.default.removeItem(atPath: requestPath)
            throw ValidationError("no answer within \(Int(timeout)) s: is `trent serve --data-dir \(directory)` running?")
        }
    }
}

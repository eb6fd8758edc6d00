import Foundation

/// Where `serve` and the tools find the store: `--data-dir`, then `TRENT_DATA_DIR`, then
/// `~/.local/share/trent`.
enum DataDirectory {
    static func resolve(_ option: String?) -> String {
        option ?? ProcessInfo.processInfo.environment["TRENT_DATA_DIR"]
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".local/share/trent")
    }

    static func storePath(in directory: String) -> String {
        (directory as NSString).appendingPathComponent("trent.sqlite")
    }
}

import ArgumentParser

/// `trent`: the Trent key management service and its tools.
@main
struct Trent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trent",
        abstract: "A self-hostable key management service that speaks the AWS KMS API.",
        subcommands: [Serve.self, Byok.self, Audit.self, RootKeyCommand.self, Migrate.self, StoreCommand.self, SeedKeys.self]
    )
}

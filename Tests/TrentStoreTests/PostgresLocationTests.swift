import Testing
import TrentStore

/// `--store postgres://…`: what is read from the URL, what is refused, and that the password
/// never appears in what Trent prints.
@Suite struct PostgresLocationTests {
    @Test func readsTheURL() throws {
        let location = try PostgresKeyStore.Location(url: "postgres://trent:s%40cret@db.internal:6543/kms?sslmode=verify-full&sslrootcert=/ca.pem&schema=node_a")
        #expect(location.host == "db.internal" && location.port == 6543 && location.username == "trent" && location.password == "s@cret")
        #expect(location.database == "kms" && location.tlsMode == "verify-full" && location.rootCertificatePath == "/ca.pem" && location.schema == "node_a")
        let defaults = try PostgresKeyStore.Location(url: "postgresql://trent@db")
        #expect(defaults.port == 5432 && defaults.database == "trent" && defaults.tlsMode == "prefer" && defaults.schema == nil)
    }

    @Test func refusesWhatItCannotUseWithoutShowingThePassword() {
        for url in ["mysql://trent:hunter2@db/kms", "postgres://trent:hunter2@/kms", "postgres://trent:hunter2@db/kms?sslmode=sometimes",
                    "postgres://trent:hunter2@db/kms?schema=Bad-Name;DROP"] {
            #expect(throws: StoreError.self) { try PostgresKeyStore.Location(url: url) }
            do { _ = try PostgresKeyStore.Location(url: url) } catch { #expect(!"\(error)".contains("hunter2"), "\(error)") }
        }
        #expect(PostgresKeyStore.Location.redacted("postgres://trent:hunter2@db/kms?sslmode=require") == "postgres://trent:***@db/kms?sslmode=require")
        #expect(PostgresKeyStore.Location.redacted("postgres://trent@db/kms") == "postgres://trent@db/kms")
    }
}

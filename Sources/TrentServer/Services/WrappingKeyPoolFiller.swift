import ServiceLifecycle
import TrentCore

/// Keeps `GetParametersForImport` from waiting for RSA key generation.
struct WrappingKeyPoolFiller: Service {
    let pool: WrappingKeyPool

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await pool.refill()
        }
    }
}

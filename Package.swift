// swift-tools-version: 6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// Nonisolated async functions run on their caller's executor: a KMS call isolated to its
/// connection's event loop (`EventLoopIsolation`) then never hops. Not for the test targets: the
/// 6.3.1 compiler crashes emitting TrentStoreTests with it.
let sources = strict + [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]

// The executables allocate through jemalloc (Debian's libjemalloc-dev) rather than glibc's malloc:
// the server's audit records are made on the event loops and freed on the threads that store and
// deliver them, and glibc's arenas made those frees wait on the loops' arena locks (most of the
// futex calls left at concurrency 8). Measured in alternating 5 s runs, 4–10 % less CPU a call.
let allocator: [LinkerSetting] = [.linkedLibrary("jemalloc", .when(platforms: [.linux]))]

let package = Package(
    name: "trent",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "trent", targets: ["trent"]),
        .executable(name: "trent-yardstick", targets: ["trent-yardstick"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Already in the graph (Hummingbird); named for NIOPosix's executor take-over in `trent serve`.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Already in the graph (Hummingbird); named for the KMS calls' channel handler in TrentServer.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
    ],
    targets: [
        // Byte-level work of the hot calls with SIMD: base64 of blobs, scans of heads and strings.
        .target(name: "CBytes"),
        .target(name: "TrentModel", dependencies: ["CBytes"], swiftSettings: sources),
        // Debian's OpenSSL 3 (libssl-dev) for SHA-224; apart from swift-crypto's BoringSSL headers.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "TrentOpenSSL", dependencies: ["COpenSSL", "TrentSync"], swiftSettings: sources),
        // Locks the event loops share (glibc's adaptive mutex).
        .target(name: "TrentSync", swiftSettings: sources),
        // Debian's libsodium (libsodium-dev) for Ed25519ph.
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .target(name: "TrentSodium", dependencies: ["CSodium"], swiftSettings: sources),
        // ML-DSA-44 and external-mu signing from the BoringSSL inside swift-crypto (see its header).
        .target(name: "CBoringMLDSA", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // PKCS#11 tokens (dlopen'd at run time) for the root key; OASIS header from Debian's libp11-kit-dev.
        .target(name: "CPKCS11", cSettings: [.unsafeFlags(["-I/usr/include/p11-kit-1"])], linkerSettings: [.linkedLibrary("dl")]),
        .target(
            name: "TrentCrypto",
            dependencies: [
                "TrentOpenSSL", "TrentSodium", "CBoringMLDSA", "CPKCS11",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: sources
        ),
        // SigV4 signing and verification, credentials, identities.
        .target(
            name: "TrentAuth",
            dependencies: ["TrentOpenSSL", "TrentSync", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: sources
        ),
        .target(
            name: "TrentCore",
            dependencies: ["TrentModel", "TrentCrypto", "TrentAuth", "TrentSync"],
            swiftSettings: sources
        ),
        // zlib (zlib1g-dev) reads gzip'd audit log files; libdeflate (libdeflate-dev) writes them.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        .target(
            name: "TrentAudit",
            dependencies: ["TrentCore", "TrentCrypto", "CZlib", "CDeflate"],
            swiftSettings: sources
        ),
        .target(
            name: "TrentStore",
            dependencies: [
                "TrentCore", "TrentSync",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: sources
        ),
        .target(
            name: "TrentServer",
            dependencies: [
                "TrentCore", "TrentModel", "TrentAudit", "TrentStore", "TrentCrypto", "CBytes",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: sources
        ),
        // A SigV4-signing KMS client for `trent byok`: Trent or real AWS KMS.
        .target(
            name: "TrentClient",
            dependencies: ["TrentAuth", .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: sources
        ),
        .executableTarget(
            name: "trent",
            dependencies: [
                "TrentServer", "TrentStore", "TrentAudit", "TrentCore", "TrentClient", "TrentCrypto", "TrentAuth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: sources,
            linkerSettings: allocator
        ),
        // The bare Hummingbird endpoint that `make bench` measures Trent against.
        .executableTarget(name: "trent-yardstick", dependencies: [.product(name: "Hummingbird", package: "hummingbird")], linkerSettings: allocator),
        // Pieces of a call's CPU measured alone (`make microbench`).
        .executableTarget(
            name: "trent-microbench",
            dependencies: [
                "TrentAudit", "TrentAuth", "TrentCore", "TrentCrypto", "TrentModel", "TrentServer", "TrentStore",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict,
            linkerSettings: allocator
        ),
        .testTarget(name: "TrentModelTests", dependencies: ["TrentModel", "CBytes"], swiftSettings: strict),
        .testTarget(name: "TrentAuthTests", dependencies: ["TrentAuth"], swiftSettings: strict),
        .testTarget(name: "TrentCryptoTests", dependencies: ["TrentCrypto", "TrentOpenSSL", "TrentSodium", "CSodium", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        .testTarget(
            name: "TrentCoreTests",
            dependencies: ["TrentCore", "TrentStore", "TrentCrypto", "TrentAudit", "TrentAuth", "TrentSync"],
            swiftSettings: strict
        ),
        .testTarget(name: "TrentAuditTests", dependencies: ["TrentAudit"], swiftSettings: strict),
        .testTarget(
            name: "TrentStoreTests",
            dependencies: ["TrentStore", "TrentCore", "TrentCrypto", "TrentAuth", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TrentServerTests",
            dependencies: [
                "TrentServer", "TrentCore", "TrentStore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
    ]
)

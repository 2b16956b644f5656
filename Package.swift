// swift-tools-version:6.0
import PackageDescription

// One set of compiler settings for every target: Swift 6 language mode (set package-wide below),
// plus upcoming features that make dependencies and existentials explicit.
let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// SQLite's compile-time options: its recommended ones for an application that needs none of the
// deprecated or optional interfaces (https://sqlite.org/compile.html), and the libc functions the
// configure script would have found on Linux.
let sqliteSettings: [CSetting] = [
    .define("SQLITE_DEFAULT_MEMSTATUS", to: "0"),
    .define("SQLITE_DQS", to: "0"),
    .define("SQLITE_LIKE_DOESNT_MATCH_BLOBS"),
    .define("SQLITE_OMIT_DEPRECATED"),
    .define("SQLITE_OMIT_LOAD_EXTENSION"),
    .define("SQLITE_OMIT_PROGRESS_CALLBACK"),
    .define("SQLITE_OMIT_SHARED_CACHE"),
    .define("SQLITE_STRICT_SUBTYPE", to: "1"),
    .define("SQLITE_USE_ALLOCA"),
    .define("SQLITE_THREADSAFE", to: "1"),
    .define("HAVE_FDATASYNC", to: "1", .when(platforms: [.linux])),
    .define("HAVE_GMTIME_R", to: "1"),
    .define("HAVE_ISNAN", to: "1"),
    .define("HAVE_LOCALTIME_R", to: "1"),
    .define("HAVE_MALLOC_H", to: "1", .when(platforms: [.linux])),
    .define("HAVE_MALLOC_USABLE_SIZE", to: "1", .when(platforms: [.linux])),
    .define("HAVE_POSIX_FALLOCATE", to: "1", .when(platforms: [.linux])),
    .define("HAVE_STRCHRNUL", to: "1", .when(platforms: [.linux])),
]

let package = Package(
    name: "evalgate",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "EvalGate", targets: ["EvalGate"]),
        .executable(name: "evalgate", targets: ["evalgate"]),
        .executable(name: "evalgate-benchmark", targets: ["evalgate-benchmark"]),
        .executable(name: "evalgate-store-benchmark", targets: ["evalgate-store-benchmark"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // Property-based tests: the fuzz targets of Tests/EvalGateFuzzTests.
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // C at the edge: system libraries with a module map and typed shims, and SQLite built in.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // SQLite itself, the amalgamation built into the binary (see Sources/CSQLite/README.md).
        .target(name: "CSQLite", exclude: ["README.md"], cSettings: sqliteSettings),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // Linux process calls that need _GNU_SOURCE (pipe2, posix_spawn_file_actions_addchdir_np)
        // or glibc's own headers (mallopt).
        .target(name: "CSpawn"),

        // The boxes of docs/ARCHITECTURE.md, each depending only on what lies upstream.
        .target(
            name: "EvalGateCore",
            dependencies: ["CCrypto", .product(name: "Yams", package: "Yams")],
            swiftSettings: settings
        ),
        .target(name: "EvalGateTransport", dependencies: ["CCurl"], swiftSettings: settings),
        .target(name: "EvalGateStore", dependencies: ["EvalGateCore", "CSQLite"], swiftSettings: settings),
        .target(name: "EvalGateProviders", dependencies: ["EvalGateCore", "EvalGateTransport", "CSpawn"], swiftSettings: settings),
        .target(name: "EvalGateReports", dependencies: ["EvalGateCore"], swiftSettings: settings),
        .target(
            name: "EvalGate",
            dependencies: ["EvalGateCore", "EvalGateStore", "EvalGateProviders", "EvalGateReports"],
            swiftSettings: settings
        ),
        .executableTarget(
            name: "evalgate",
            dependencies: ["EvalGate", "EvalGateTransport", "CSpawn", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: settings
        ),

        // Helpers the test targets share: temporary project folders and running the built binary.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: settings),
        // Benchmarks/: measured, never asserted (timing stays out of tests).
        .executableTarget(name: "evalgate-benchmark", dependencies: ["TestSupport"], path: "Benchmarks/NetworkPath", swiftSettings: settings),
        .executableTarget(
            name: "evalgate-store-benchmark", dependencies: ["EvalGateStore", "EvalGateCore", "TestSupport"], path: "Benchmarks/StorePath",
            swiftSettings: settings),
        .testTarget(name: "EvalGateCoreTests", dependencies: ["EvalGateCore", "TestSupport"], swiftSettings: settings),
        .testTarget(name: "EvalGateTransportTests", dependencies: ["EvalGateTransport", "TestSupport"], swiftSettings: settings),
        .testTarget(name: "EvalGateStoreTests", dependencies: ["EvalGateStore", "TestSupport"], swiftSettings: settings),
        .testTarget(name: "EvalGateProvidersTests", dependencies: ["EvalGateProviders", "TestSupport"], swiftSettings: settings),
        .testTarget(name: "EvalGateReportsTests", dependencies: ["EvalGateReports", "TestSupport"], swiftSettings: settings),
        .testTarget(name: "EvalGateTests", dependencies: ["EvalGate", "evalgate", "TestSupport"], swiftSettings: settings),
        // Random inputs for the loaders and the providers' response parsers: none may crash.
        .testTarget(
            name: "EvalGateFuzzTests",
            dependencies: ["EvalGateCore", "EvalGateProviders", "EvalGateReports", "TestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: settings),
    ],
    swiftLanguageModes: [.v6]
)

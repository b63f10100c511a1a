// swift-tools-version:6.2
import Foundation
import PackageDescription

/// CI sets `CI=true`: our own targets then treat every warning as an error (dependencies are left alone).
let strict = ProcessInfo.processInfo.environment["CI"] != nil
let ownSettings: [SwiftSetting] = strict ? [.treatAllWarnings(as: .error)] : []

let package = Package(
    name: "OneWindow",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "onewindow", targets: ["onewindow"])
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/leaf.git", from: "4.5.2"),
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
        .package(url: "https://github.com/pointfreeco/swift-snapshot-testing", from: "1.19.7"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "OneWindowCore",
            swiftSettings: ownSettings
        ),
        .target(
            name: "OneWindowServer",
            dependencies: [
                "OneWindowCore",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Leaf", package: "leaf"),
                .product(name: "CSV", package: "CSV.swift"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("ReferenceData")],
            swiftSettings: ownSettings
        ),
        .executableTarget(
            name: "onewindow",
            dependencies: ["OneWindowServer"],
            swiftSettings: ownSettings
        ),
        .testTarget(
            name: "OneWindowCoreTests",
            dependencies: ["OneWindowCore"],
            swiftSettings: ownSettings
        ),
        .testTarget(
            name: "OneWindowServerTests",
            dependencies: [
                "OneWindowCore",
                "OneWindowServer",
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "SnapshotTesting", package: "swift-snapshot-testing"),
            ],
            // The HTML snapshots are read by SnapshotTesting from the source tree, not built into the bundle.
            exclude: ["Snapshots/__Snapshots__"],
            swiftSettings: ownSettings
        ),
    ]
)

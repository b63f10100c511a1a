import Foundation

/// The reference data files shipped in the server's resource bundle (`ReferenceData/`, see its SOURCES.md).
enum ReferenceData {
    /// The contents of `ReferenceData/<path>`.
    static func data(_ path: String) throws -> Data {
        guard let base = Bundle.module.resourceURL else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "ReferenceData"])
        }
        return try Data(contentsOf: base.appendingPathComponent("ReferenceData").appendingPathComponent(path))
    }

    static func text(_ path: String) throws -> String {
        String(decoding: try data(path), as: UTF8.self)
    }

    /// Holiday years shipped with the product.
    static let calendarYears = [2023, 2024, 2025, 2026]
}

import Foundation
import Logging
import OneWindowServer
import Vapor

var env = try Environment.detect()
try LoggingSystem.bootstrap(from: &env)
let app = try await Application.make(env)
do {
    try await configure(app)
    // `serve` (also the default command) migrates and loads reference data first, and makes sure an admin exists.
    let command = CommandLine.arguments.dropFirst().first { !$0.hasPrefix("-") }
    if command == nil || command == "serve" {
        try await prepareDatabase(app)
        try await ensureFirstAdmin(app)
    }
    try await app.execute()
} catch {
    app.logger.report(error: error)
    try? await app.asyncShutdown()
    exit(1)
}
try await app.asyncShutdown()

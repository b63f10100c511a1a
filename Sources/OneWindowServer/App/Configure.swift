import Foundation
import Vapor

/// The composition root: the kernel, then every module in dependency order. It is the one place that names them
/// all (ARCHITECTURE.md); a new module is one line in `modules`.
enum App {
    static var modules: [any ServerModule.Type] {
        [
            DirectoryModule.self, CalendarModule.self, CatalogModule.self, CasesModule.self, FrontDeskModule.self,
            HotlineModule.self, EvaluationModule.self, StatsModule.self,
        ]
    }
}

/// Configures the application from the environment (`Settings.fromEnvironment`).
public func configure(_ app: Application) async throws {
    try await configure(app, settings: Settings.fromEnvironment(app.environment))
}

/// Configures the application with explicit settings (tests pass a PostgreSQL schema of their own).
public func configure(_ app: Application, settings: Settings, postgresSchema: String? = nil) async throws {
    try Kernel.configure(app, settings: settings, postgresSchema: postgresSchema)
    for module in App.modules { try module.register(app) }
    Kernel.finish(app)
}

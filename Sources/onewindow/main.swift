import ConsoleKit
import Foundation
import Logging
import OneWindowServer
import Vapor

var env = try Environment.detect()
try LoggingSystem.bootstrap(from: &env)
let app = try await Application.make(env)
var status: Int32 = 0
do {
    try await configure(app)
    // `serve` (also the default command) migrates and loads reference data first, and makes sure an admin exists.
    let command = CommandLine.arguments.dropFirst().first { !$0.hasPrefix("-") }
    if command == nil || command == "serve" {
        try await prepareDatabase(app)
        try await startUpHousekeeping(app)  // the modules' start-up tasks: interrupted imports, old sessions, the first admin
    }
    try await app.execute()
} catch let error as CommandError {
    // Vapor has logged it already; add the hint a person needs.
    if case .missingRequiredArgument(let name) = error {
        print("缺少参数 \(name)。运行 `onewindow <命令> --help` 查看用法，例如 `onewindow import --help`。")
    }
    status = 2
} catch {
    // `execute` has logged the error; configuration errors before it have not.
    if let exit = error as? CommandLineExit {
        status = exit.exitStatus
    } else {
        app.logger.report(error: error)
        status = 1
    }
}
try await app.asyncShutdown()
if status != 0 { exit(status) }

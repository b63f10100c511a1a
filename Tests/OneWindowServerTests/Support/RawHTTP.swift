import Foundation
import Vapor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A bare HTTP/1.1 client over a POSIX socket, for what an HTTP library would not send: a `Content-Length` larger than
/// the bytes that follow, or a chunked body that goes on. Answers are read with a timeout, so a server that waits for
/// the rest shows as `nil`.
struct RawHTTP {
    let fd: Int32

    /// Connects to `127.0.0.1:port`; reads time out after `timeout` seconds.
    init(port: Int, timeout: Int = 30) throws {
        #if canImport(Glibc)
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, connected == 0 else { throw Abort(.internalServerError, reason: "cannot connect to port \(port)") }
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends every byte of `data`; false when the server closed the connection first.
    @discardableResult
    func send(_ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = Foundation.send(fd, raw.baseAddress! + offset, raw.count - offset, sendFlags)
                if sent <= 0 { return false }
                offset += sent
            }
            return true
        }
    }

    func send(_ text: String) { send(Data(text.utf8)) }

    /// The answer's head and what came of its body in one read, or nil when nothing came before the timeout. The
    /// blocking read runs on a thread of its own: on Swift's few cooperative threads it could hold up the very server
    /// handler it waits for.
    func answer() async -> (status: Int, text: String)? {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: self.read()) }
            thread.start()
        }
    }

    private func read() -> (status: Int, text: String)? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self)
        let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
        return (status, text)
    }

    func close() { _ = Foundation.close(fd) }
}

#if canImport(Glibc)
    private let sendFlags = Int32(MSG_NOSIGNAL)  // a closed connection is a `false`, not a SIGPIPE
#else
    private let sendFlags: Int32 = 0
#endif

extension Application {
    /// Starts the HTTP server on a free loopback port for the test's raw requests; returns the port.
    /// Runs `body` with the application served on a free loopback port, and shuts the server down whatever `body`
    /// does (a server left running fails Vapor's deinit assertion and takes the whole test process with it).
    func withLoopbackServer(_ body: (Int) async throws -> Void) async throws {
        let port = try await startLoopbackServer()
        do {
            try await body(port)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    func startLoopbackServer() async throws -> Int {
        http.server.configuration.hostname = "127.0.0.1"
        http.server.configuration.port = 0
        try await server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = http.server.shared.localAddress?.port else { throw Abort(.internalServerError, reason: "no port") }
        return port
    }
}

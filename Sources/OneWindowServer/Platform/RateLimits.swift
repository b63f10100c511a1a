import Foundation
import Vapor

/// Counts events per key in a sliding window and refuses once `limit` are inside it: the one rate limiter behind
/// sign-in, the public look-ups and the public appeal form.
actor RateLimiter {
    private var events: [String: [Date]] = [:]
    let window: TimeInterval
    let limit: Int

    init(window: TimeInterval, limit: Int) {
        self.window = window
        self.limit = limit
    }

    /// Seconds until `key` may act again (the oldest event leaves the window), or nil while under the limit.
    func retryAfter(_ key: String, now: Date = Date()) -> Int? {
        let recent = (events[key] ?? []).filter { now.timeIntervalSince($0) < window }
        events[key] = recent.isEmpty ? nil : recent
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        return Int(window - now.timeIntervalSince(oldest)) + 1
    }

    /// - Throws: `PlatformError.tooManyAttempts` (429 with `Retry-After`) while `key` is at the limit.
    func check(_ key: String) throws(PlatformError) {
        if let seconds = retryAfter(key) { throw .tooManyAttempts(retryAfterSeconds: seconds) }
    }

    /// Counts one event of `key`.
    func record(_ key: String, at instant: Date = Date()) {
        events[key, default: []].append(instant)
    }

    func reset(_ key: String) {
        events[key] = nil
    }
}

/// Public look-ups by a number and the last 4 digits of the phone on the record (case progress, home-visit status,
/// 12345 status, cancelling an appointment): a wrong guess counts against the subject from that address (5 in 15
/// minutes), against the subject from anywhere (30 in 15 minutes) and against the address across every subject and
/// every kind of look-up (20 in 15 minutes: numbers are sequential, so one address trying many numbers once each
/// is refused too); at any limit the look-up is refused (429 with `Retry-After`).
final class PublicLookups: Sendable {
    let perSubjectAndAddress = RateLimiter(window: 15 * 60, limit: 5)
    let perSubject = RateLimiter(window: 15 * 60, limit: 30)
    let perAddress = RateLimiter(window: 15 * 60, limit: 20)

    /// The message for a `phone4` that is not exactly 4 ASCII digits (full-width digits are normalised first), or nil.
    /// - Parameter phone: what the page calls the phone (`联系手机`, `联系电话`).
    static func phone4Problem(_ phone4: String, phone: String = "联系手机") -> String? {
        phone4.count == 4 && phone4.allSatisfy({ $0.isASCII && $0.isNumber }) ? nil : "请填写\(phone)的后 4 位数字"
    }

    /// - Parameter subject: what is guessed at, with its kind (`case:421223-20250305-00012`, `hv:SM-…`, `wo:…`, `ap:Y…`).
    /// - Throws: `PlatformError.tooManyAttempts` while either limit is reached.
    func check(_ subject: String, on req: Request) async throws {
        try await perSubjectAndAddress.check(subject + "|" + Self.address(req))
        try await perSubject.check(subject)
        try await perAddress.check(Self.address(req))
    }

    /// Counts a wrong guess at `subject`.
    func recordFailure(_ subject: String, on req: Request) async {
        await perSubjectAndAddress.record(subject + "|" + Self.address(req))
        await perSubject.record(subject)
        await perAddress.record(Self.address(req))
    }

    /// Checks the limits, loads the record, and counts a failure when there is none or its phone does not end in
    /// `phone4`. - Returns: the record, or nil (a failure counted).
    func find<Record>(_ subject: String, phone4: String, on req: Request, load: () async throws -> Record?, phone: (Record) -> String?)
        async throws -> Record?
    {
        try await check(subject, on: req)
        guard let record = try await load(), let number = phone(record), number.hasSuffix(phone4) else {
            await recordFailure(subject, on: req)
            return nil
        }
        return record
    }

    static func address(_ req: Request) -> String { req.remoteAddress?.ipAddress ?? "?" }
}

extension Application {
    private struct PublicLookupsKey: StorageKey { typealias Value = PublicLookups }

    var publicLookups: PublicLookups { storage.memo(PublicLookupsKey.self, PublicLookups()) }
}

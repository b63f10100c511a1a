import Foundation
import NIOConcurrencyHelpers
import Vapor

/// A live update for pages that follow a hall (calling display, dashboards): a topic (`hall:<uuid>`) and a JSON
/// payload. Publish after the change has committed; a subscriber that reconnects reloads the full state, so a
/// missed event is never a lost state.
struct LiveEvent: Sendable {
    let topic: String
    let json: String
}

/// Delivers live events to the subscribers of a topic (DESIGN.md: in-process for one instance; several app servers
/// would put PostgreSQL LISTEN/NOTIFY behind the same protocol).
protocol EventBus: Sendable {
    func publish(_ event: LiveEvent)
    /// A stream of the topic's events from now on; it ends when the subscriber cancels.
    func subscribe(_ topic: String) -> AsyncStream<LiveEvent>
    /// Whether anyone follows the topic now (publishers skip building a payload nobody reads).
    func hasSubscribers(_ topic: String) -> Bool
}

/// One process: subscribers held in memory.
final class InProcessEventBus: EventBus {
    private let subscribers = NIOLockedValueBox<[String: [UUID: AsyncStream<LiveEvent>.Continuation]]>([:])

    func publish(_ event: LiveEvent) {
        let targets = subscribers.withLockedValue { Array(($0[event.topic] ?? [:]).values) }
        for continuation in targets { continuation.yield(event) }
    }

    func hasSubscribers(_ topic: String) -> Bool {
        subscribers.withLockedValue { !($0[topic]?.isEmpty ?? true) }
    }

    func subscribe(_ topic: String) -> AsyncStream<LiveEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<LiveEvent>.makeStream(bufferingPolicy: .bufferingNewest(100))
        subscribers.withLockedValue { $0[topic, default: [:]][id] = continuation }
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLockedValue { $0[topic]?[id] = nil }
        }
        return stream
    }
}

extension Application {
    private struct EventBusKey: StorageKey { typealias Value = any EventBus }

    var eventBus: any EventBus {
        get {
            if let bus = storage[EventBusKey.self] { return bus }
            let bus = InProcessEventBus()
            storage[EventBusKey.self] = bus
            return bus
        }
        set { storage[EventBusKey.self] = newValue }
    }
}

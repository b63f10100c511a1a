import Testing
import VaporTesting
import OneWindowServer
@Test func b() { #expect(1 + 1 == 2) }

import Testing
import OneWindowCore
@Test func a() { #expect(1 + 1 == 2) }

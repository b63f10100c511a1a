import Fluent
import Foundation
import OneWindowCore

/// The people a 局长帮办 shift knows by name — the citizen consulted on the day, the applicants and 代办人 of the
/// cases handled — whom its improvements (published on `/improvements`) must never name in full (RULES.md,
/// Identity): a finding that names one is refused on input, and older ones are masked on output.
enum ImprovementPeople {
    /// The names each shift knows, by shift id.
    static func names(of shiftIDs: [UUID], on db: any Database) async throws -> [UUID: [String]] {
        guard !shiftIDs.isEmpty else { return [:] }
        var names: [UUID: [String]] = [:]
        for shift in try await DirectorShift.query(on: db).filter(\.$id ~~ shiftIDs).all() {
            if let name = shift.consultedName { names[shift.id!, default: []].append(name) }
        }
        let links = try await DirectorShiftCase.query(on: db).filter(\.$shift.$id ~~ shiftIDs).with(\.$case).all()
        let applicants = try await CaseWebController.applicants(of: links.map(\.case), on: db)
        for link in links {
            let ids = [link.case.$applicant.id] + [link.case.$proxy.id].compactMap { $0 }
            let people = ids.compactMap { applicants[$0]?.name }
            names[link.$shift.id, default: []].append(contentsOf: people)
        }
        return names
    }

    /// The first known name `text` contains, masked for the error message (`张*`); nil when it names none.
    static func namedPerson(in text: String, knowing names: [String]) -> String? {
        names.first { $0.count >= 2 && text.contains($0) }.map(Masking.name)
    }
}

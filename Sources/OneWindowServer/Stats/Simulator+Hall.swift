import Fluent
import Foundation
import OneWindowCore

/// A day in the hall: cases, the window visits they came in on, their tickets and appointments.
extension Simulator {
    /// A window visit: one ticket, taken at `issued`, served at `window` from `serving` to `finished`, for one or two cases
    /// of the same person; `booked` when drawn as booked (`simulateTickets` keeps one appointment a person a day).
    struct Visit {
        var ticketID: UUID; var issued: Date; var serving: Date; var finished: Date; var person: Person; var window: Window
        var clerk: StaffRef; var category: TicketCategory; var booked: Bool
    }

    /// The day's cases (即办 and 承诺 approvals, public services) in time order, numbered in that order: each with its step,
    /// its audit events (受理, 领取审查 and 决定 for a 承诺件, 办结) and its 好差评 — the applicant's own rating or the 7-day
    /// default. Reserves the day's case numbers in `reservations`.
    /// - Returns: the window visits the cases came in on (online applications have none), in order of acceptance.
    func simulateCases(
        _ plan: DayPlan, setup: Setup, reservations: inout [(kind: String, count: Int)], writer: inout Writer,
        summary: inout Summary, generator g: inout SeededGenerator, ids: inout IDSequence
    ) throws -> [Visit] {
        let date = plan.date
        let midnight = date.instant(in: zone)
        func at(_ second: Int) -> Date { midnight.addingTimeInterval(TimeInterval(second)) }
        func audit(_ actor: StaffRef?, _ action: String, _ type: String, _ id: UUID, _ summary: String, _ instant: Date) {
            writer.audit.append([
                ids.make(&g), region, actor?.id, actor?.username ?? "system", action, type, id.uuidString, summary, instant,
            ])
        }

        // Cases of the day, in time order, numbered in that order.
        enum Kind { case instant, promised, service }
        var entries: [(second: Int, kind: Kind)] = []
        for _ in 0..<plan.instant { entries.append((SimulationCurves.hallSecond(using: &g), .instant)) }
        for _ in 0..<plan.promised { entries.append((SimulationCurves.hallSecond(using: &g), .promised)) }
        for _ in 0..<plan.service { entries.append((SimulationCurves.hallSecond(using: &g), .service)) }
        entries.sort { $0.second < $1.second }
        // The year's numbers start at 1 (checked before the run); the write step reserves them from DailyCounter.
        let firstCase = 1
        if !entries.isEmpty { reservations.append(("case", entries.count)) }

        // Window visits: a ticket each, some with two cases; numbered per prefix in the order of issue afterwards.
        var visits: [Visit] = []
        var previousVisit: Int?

        for (offset, entry) in entries.enumerated() {
            let items =
                switch entry.kind {
                case .instant: setup.approvalInstant;
                case .promised: setup.approvalPromised;
                case .service: setup.service
                }
            let item = items[zipf(items.count, &g)]
            let online = SimulationCurves.unit(&g) < profile.onlineShare
            var person = setup.people[g.nextIndex(below: setup.people.count)]
            let clerk = setup.clerks[g.nextIndex(below: setup.clerks.count)]
            let caseID = ids.make(&g)
            let accepted = at(entry.second)
            let number = CaseNumber(county: region, date: date, sequence: firstCase + offset).description
            var ticketID: UUID?
            if !online {
                if let last = previousVisit, SimulationCurves.unit(&g) < profile.twoCaseVisitShare, visits[last].finished < accepted {
                    // The same person's second case on the same ticket.
                    person = visits[last].person
                    ticketID = visits[last].ticketID
                    previousVisit = nil
                } else {
                    let wait = 120 + g.nextIndex(below: 1500)
                    let window = setup.windows[g.nextIndex(below: setup.windows.count)]
                    let category = setup.ticketCategories[
                        SimulationCurves.unit(&g) < 0.8 ? 0 : g.nextIndex(below: setup.ticketCategories.count)]
                    let visit = Visit(
                        ticketID: ids.make(&g), issued: accepted.addingTimeInterval(-Double(wait)),
                        serving: accepted.addingTimeInterval(-60),
                        finished: accepted, person: person, window: window, clerk: clerk, category: category,
                        booked: SimulationCurves.unit(&g) < profile.bookedShare)
                    visits.append(visit)
                    previousVisit = visits.count - 1
                    ticketID = visit.ticketID
                }
            }
            // Online applications come in at any hour (the hotline's curve), on the day or the day before acceptance.
            let submitted =
                online
                ? min(
                    accepted.addingTimeInterval(-600),
                    midnight.addingTimeInterval(Double(SimulationCurves.hotlineSecond(using: &g) - 86_400 * g.nextIndex(below: 2))))
                : accepted

            // Deadlines, as CaseService schedules them (RULES.md, Decision (counting)).
            let promised = entry.kind == .promised ? item.promised : WorkingDays(0)
            let due = try calendar.deadline(from: date, limit: promised)?.instant(in: zone)
            let statutoryDue = try item.statutory.flatMap { try calendar.deadline(from: date, limit: $0)?.instant(in: zone) }
            var state = CaseState.submitted
            if online { state = try state.after(.accept) } else { state = .accepted }
            var completed: Date
            var approver = clerk
            var taken: Date?, decided: Date?
            if entry.kind == .promised {
                // Done on a working day within the promised limit, during opening hours, after acceptance.
                approver = setup.approvers[item.departmentID ?? UUID()]?.randomElement(using: &g) ?? clerk
                let span = max(0, promised.wholeDays - 1)
                let finishDay = try calendar.deadline(from: date, limit: WorkingDays(g.nextIndex(below: span + 1)))!.date
                completed = finishDay.instant(in: zone).addingTimeInterval(Double(SimulationCurves.hallSecond(using: &g)))
                if completed <= accepted.addingTimeInterval(1800) {
                    completed = accepted.addingTimeInterval(Double(1800 + g.nextIndex(below: 3600)))
                }
                if let due, completed > due { completed = due.addingTimeInterval(-60) }
                // The approver's steps fall in office hours, in order, before completion.
                let take = min(
                    officeTime(accepted.addingTimeInterval(Double(600 + g.nextIndex(below: 3000)))), completed.addingTimeInterval(-120))
                taken = take
                decided = max(
                    take.addingTimeInterval(60),
                    min(
                        officeTime(accepted.addingTimeInterval(completed.timeIntervalSince(accepted) * 0.8)),
                        completed.addingTimeInterval(-60)))
                state = try state.after(.take)
                state = try state.after(.decide(.approve))
                state = try state.after(.complete)
            } else {
                completed = accepted.addingTimeInterval(Double(180 + g.nextIndex(below: 1320)))
                state = try state.after(.complete, instant: true)
            }
            if let id = ticketID, let index = visits.lastIndex(where: { $0.ticketID == id }) {
                visits[index].finished = max(visits[index].finished, completed.addingTimeInterval(60))
            }
            let caseType: String = (entry.kind == .promised ? item.caseType : CaseType.instant).rawValue
            let caseChannel: String = (online ? Case.Channel.online : Case.Channel.window).rawValue
            let ownerID: UUID? = entry.kind == .promised ? approver.id : nil
            let ownerName: String? = entry.kind == .promised ? approver.name : nil
            let row: [any BulkCell] = [
                caseID, region, number, item.id, item.code, item.name, item.departmentID, item.departmentName, caseType,
                item.category?.rawValue,
                caseChannel, state.rawValue, person.id, person.sealedPhone, submitted, accepted, date.description, clerk.name,
                promised.halfDays,
                item.statutory?.halfDays, due, statutoryDue, false, ownerID, ownerName, 0, item.departmentID, item.departmentName,
                CaseDecision.approve.rawValue, completed, accepted, completed, ticketID,
            ]
            writer.cases.append(row)
            writer.steps.append([
                ids.make(&g), region, caseID, 0, item.departmentID, item.departmentName, CaseStep.State.done.rawValue,
                approver.id, approver.name, completed,
            ])
            let limitText = "；承诺 \(promised) 个工作日" + (due.map { "，承诺期限 \(LocalTime.formatDeadline($0, in: zone))" } ?? "")
            audit(clerk, "case.accept", "case", caseID, "受理 \(number) \(item.name)\(limitText)", accepted)
            if let taken, let decided {
                audit(approver, "case.take", "case", caseID, "领取审查 \(number)", taken)
                audit(approver, "case.decide", "case", caseID, "决定：准予 \(number)", decided)
            }
            audit(entry.kind == .promised ? clerk : clerk, "case.complete", "case", caseID, "办结 \(number)，按时办结", completed)
            summary.cases += 1
            summary.auditEvents += entry.kind == .promised ? 4 : 2

            // 好差评: the applicant's own rating, or the 7-day default (RULES.md).
            let rated = SimulationCurves.unit(&g) < profile.ratedShare
            let level: RatingLevel, channel: RatingChannel, ratedAt: Date
            if rated {
                let draw = SimulationCurves.unit(&g)
                level = draw < 0.86 ? .verySatisfied : (draw < 0.98 ? .satisfied : .basicallySatisfied)
                channel = online ? .online : .pad
                ratedAt = completed.addingTimeInterval(Double(online ? 3600 + g.nextIndex(below: 200_000) : 20 + g.nextIndex(below: 300)))
            } else {
                level = DefaultRating.level
                channel = .defaulted
                ratedAt = DefaultRating.firstDay(afterCompletionOn: LocalDate(completed, in: zone)).instant(in: zone)
                    .addingTimeInterval(Double(g.nextIndex(below: 3600)))
            }
            let ratingID = ids.make(&g)
            let label = "\(number) \(item.name)"
            writer.ratings.append([
                ratingID, region, RatingSubjectKind.caseRecord.rawValue, caseID, label, item.departmentID, item.departmentName,
                nil as String?, nil as UUID?, clerk.name, item.code, RatingItem.overall.rawValue, level.rawValue,
                channel.rawValue, "applicant:\(person.id.uuidString)", true, !rated, ratedAt,
            ])
            audit(
                rated ? nil : nil, "rating.record", RatingSubjectKind.caseRecord.rawValue, caseID,
                "\(channel.label)：\(label) 整体\(level.label)" + (rated ? "" : "（默认）"), ratedAt)
            summary.ratings += 1
            summary.auditEvents += 1
        }
        return visits
    }

    /// The tickets of the day's window visits, numbered per prefix in the order of issue (the numbers reserved in
    /// `reservations`), each called, served and finished by `TicketProgress`; a booked visit gets its appointment, checked
    /// in, and a place in its category's one-hour slot (capacity at least 20).
    func simulateTickets(
        _ visits: [Visit], on date: LocalDate, setup: Setup, reservations: inout [(kind: String, count: Int)],
        writer: inout Writer, summary: inout Summary, generator g: inout SeededGenerator, ids: inout IDSequence
    ) throws {
        guard !visits.isEmpty else { return }
        let midnight = date.instant(in: zone)
        var visits = visits
        visits.sort { $0.issued < $1.issued }
        var sequences: [String: Int] = [:]
        for prefix in Set(visits.map(\.category.prefix)).sorted() {
            let count = visits.filter { $0.category.prefix == prefix }.count
            sequences[prefix] = 1
            reservations.append(("ticket:\(setup.hall.code):\(prefix)", count))
        }
        var slots: [String: (id: UUID, starts: Date, booked: Int, category: TicketCategory)] = [:]
        var bookedPeople = Set<String>()  // one appointment per person a day (BookingRules)
        for var visit in visits {
            visit.booked = visit.booked && bookedPeople.insert(visit.person.idNumber).inserted
            let sequence = sequences[visit.category.prefix]!
            sequences[visit.category.prefix] = sequence + 1
            var progress = TicketProgress(state: .waiting, recalls: 0)
            for action in [TicketAction.call, .begin, .finish] { progress = try progress.after(action, recallsBeforeNoShow: 2) }
            var appointmentID: UUID?
            var slotStart: Date?
            if visit.booked {
                let hourStart = midnight.addingTimeInterval(floor(visit.issued.timeIntervalSince(midnight) / 3600) * 3600)
                let key = "\(visit.category.id!.uuidString)|\(hourStart.timeIntervalSince1970)"
                var slot = slots[key] ?? (ids.make(&g), hourStart, 0, visit.category)
                slot.booked += 1
                slots[key] = slot
                appointmentID = ids.make(&g)
                slotStart = hourStart
                writer.appointments.append([
                    appointmentID!, region, slot.id, setup.hall.id!, visit.category.id!, date.description,
                    "Y" + hex(&g, 8).uppercased(), visit.person.sealedIDNumber, visit.person.idNumberHash, visit.person.sealedName,
                    visit.person.sealedPhone,
                    Appointment.State.checkedIn.rawValue,
                    visit.issued.addingTimeInterval(-Double(86_400 * (1 + g.nextIndex(below: 5)))), visit.issued,
                    visit.ticketID,
                ])
                summary.appointments += 1
            }
            writer.tickets.append([
                visit.ticketID, region, setup.hall.id!, visit.category.id!, visit.category.prefix, sequence,
                TicketNumber(prefix: visit.category.prefix, sequence: sequence).description, date.description,
                (visit.booked ? Ticket.Channel.appointment : .kiosk).rawValue,
                PriorityRule().priority(for: try? ResidentID(visit.person.idNumber), on: date).rawValue,
                visit.person.sealedIDNumber, visit.person.sealedName, visit.person.sealedPhone, visit.person.phoneHash, hex(&g, 32),
                visit.issued, visit.issued,
                progress.state.rawValue, 0, visit.window.id!, visit.window.number, visit.serving.addingTimeInterval(-30),
                visit.serving.addingTimeInterval(-30), visit.serving, visit.finished, visit.clerk.id, visit.clerk.name, 0, appointmentID,
                slotStart, false,
            ])
            summary.tickets += 1
        }
        for slot in slots.values.sorted(by: { ($0.starts, $0.id.uuidString) < ($1.starts, $1.id.uuidString) }) {
            writer.slots.append([
                slot.id, region, setup.hall.id!, slot.category.id!, date.description, slot.starts,
                slot.starts.addingTimeInterval(3600), max(20, slot.booked), slot.booked,
            ])
        }
    }
}

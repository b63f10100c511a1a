import Foundation
import OneWindowCore

/// Server-rendered SVG charts: the geometry is computed here, the Leaf view draws `rect`, `polyline` and `text`
/// from it, so a chart prints like the page (no script) and its numbers are in the markup for screen readers.

/// Vertical bars, one group per label, series stacked (cases per month).
struct VerticalBarChart: Encodable, Sendable {
    struct Segment: Encodable, Sendable { let x: Int; let y: Int; let width: Int; let height: Int; let style: String; let title: String }
    struct Column: Encodable, Sendable { let label: String; let x: Int; let total: String; let totalY: Int; let segments: [Segment] }
    struct Legend: Encodable, Sendable { let name: String; let style: String; let x: Int }

    let title: String
    let width: Int
    let height: Int
    let baseline: Int
    let columns: [Column]
    let legend: [Legend]

    init(title: String, labels: [String], series: [(name: String, values: [Int], style: String)], width: Int = 720, plotHeight: Int = 200) {
        self.title = title
        self.width = width
        let top = 34
        baseline = top + plotHeight
        height = baseline + 24
        let totals = labels.indices.map { index in series.reduce(0) { $0 + ($1.values.indices.contains(index) ? $1.values[index] : 0) } }
        let maximum = max(totals.max() ?? 0, 1)
        let slot = (width - 20) / max(labels.count, 1)
        columns = labels.enumerated().map { index, label in
            let x = 10 + index * slot
            var y = top + plotHeight
            var segments: [Segment] = []
            for entry in series {
                let value = entry.values.indices.contains(index) ? entry.values[index] : 0
                let height = Int((Double(value) / Double(maximum) * Double(plotHeight)).rounded())
                y -= height
                segments.append(
                    Segment(
                        x: x + 4, y: y, width: slot - 8, height: height, style: entry.style,
                        title: "\(label) \(entry.name) \(AnnualReport.grouped(value))"))
            }
            return Column(
                label: label, x: x + slot / 2, total: AnnualReport.grouped(totals[index]), totalY: max(y - 4, 12), segments: segments)
        }
        legend = series.enumerated().map { Legend(name: $1.name, style: $1.style, x: 10 + $0 * 140) }
    }
}

/// Horizontal bars with their values (work orders by channel).
struct HorizontalBarChart: Encodable, Sendable {
    struct Bar: Encodable, Sendable { let label: String; let value: String; let y: Int; let width: Int }

    let title: String
    let height: Int
    let bars: [Bar]

    init(title: String, bars: [(label: String, value: Int)], barSpace: Int = 380) {
        self.title = title
        let maximum = max(bars.map(\.value).max() ?? 0, 1)
        self.bars = bars.enumerated().map { index, bar in
            Bar(
                label: bar.label, value: AnnualReport.grouped(bar.value), y: index * 26,
                width: bar.value == 0 ? 0 : max(1, Int((Double(bar.value) / Double(maximum) * Double(barSpace)).rounded())))
        }
        height = max(bars.count * 26, 26)
    }
}

/// Lines of shares (0…100 %) over labels (satisfaction by month); a month without data leaves a gap.
struct LineChart: Encodable, Sendable {
    struct Point: Encodable, Sendable { let x: Int; let y: Int; let value: String }
    struct Series: Encodable, Sendable {
        let name: String; let style: String; let segments: [String]; let points: [Point]; let legendX: Int
    }
    struct Tick: Encodable, Sendable { let label: String; let x: Int }
    struct Grid: Encodable, Sendable { let label: String; let y: Int }

    let title: String
    let width: Int
    let height: Int
    let left: Int
    let right: Int
    let baseline: Int
    let ticks: [Tick]
    let grid: [Grid]
    let series: [Series]

    /// The y axis runs from `floor` (a multiple of 10 %, at most 80 %) to 100 %, so differences near the top show.
    init(
        title: String, labels: [String], series: [(name: String, values: [Double?], style: String)], width: Int = 720, plotHeight: Int = 200
    ) {
        self.title = title
        self.width = width
        let left = 50, right = width - 10, top = 34
        let baseline = top + plotHeight
        self.left = left
        self.right = right
        self.baseline = baseline
        height = baseline + 24
        let lowest = series.flatMap { $0.values.compactMap { $0 } }.min() ?? 1
        let floor = min(0.8, (lowest * 10).rounded(.down) / 10)
        let step = labels.count > 1 ? Double(right - left - 20) / Double(labels.count - 1) : 0
        func x(_ index: Int) -> Int { left + 10 + Int((Double(index) * step).rounded()) }
        func y(_ value: Double) -> Int { baseline - Int(((value - floor) / (1 - floor) * Double(plotHeight)).rounded()) }
        ticks = labels.enumerated().map { Tick(label: $1, x: x($0)) }
        grid = stride(from: floor, through: 1.0001, by: (1 - floor) / 4).map { Grid(label: String(format: "%.0f%%", $0 * 100), y: y($0)) }
        self.series = series.enumerated().map { order, entry in
            var segments: [String] = []
            var current: [String] = []
            var points: [Point] = []
            for (index, value) in entry.values.enumerated() {
                guard let value else {
                    if current.count > 0 { segments.append(current.joined(separator: " ")) }
                    current = []
                    continue
                }
                current.append("\(x(index)),\(y(value))")
                points.append(Point(x: x(index), y: min(y(value), baseline), value: String(format: "%.1f%%", value * 100)))
            }
            if current.count > 0 { segments.append(current.joined(separator: " ")) }
            return Series(name: entry.name, style: entry.style, segments: segments, points: points, legendX: 60 + order * 180)
        }
    }
}

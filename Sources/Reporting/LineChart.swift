/// Draws series of (x, y) points as an SVG line chart with axes, nice ticks, grid lines,
/// axis titles and a legend to the right of the plot.
///
/// The output is a self-contained, well-formed `<svg>` element (namespace included) that
/// can be placed inline in HTML or saved as an `.svg` file. Every text is escaped.
struct LineChart {
    /// Read by assistive technology and shown as the SVG's `<title>`.
    var title: String
    var xAxisTitle: String
    var yAxisTitle: String
    var series: [ChartSeries]
    /// Limits the y axis may not pass while the data lie within them.
    var yBounds: ClosedRange<Double>?
    /// Appended to y values in tooltips, for example "%".
    var yUnit: String = ""
    /// The width of the drawing in SVG units (it scales to the page width).
    var width: Double = 900
    /// The height of the plot area in SVG units.
    var plotHeight: Double = 320

    private static let fontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', 'DejaVu Sans', Arial, sans-serif"
    /// Average advance of a 12-px sans-serif character, for reserving room for text.
    private static let characterWidth = 7.0
    private static let legendRowHeight = 22.0
    /// Series with more points than this are drawn without markers (except lone points).
    private static let markerLimit = 60

    /// The chart as an `<svg>` element.
    func svg() -> String {
        let drawn = series.map { line in
            ChartSeries(name: line.name, detail: line.detail, style: line.style, isDashed: line.isDashed,
                        points: line.points.filter { $0.x.isFinite }.sorted { $0.x < $1.x })
        }
        let allPoints = drawn.flatMap(\.points).filter { $0.y.isFinite }
        let xScale = NiceScale(minimum: allPoints.map(\.x).min() ?? 1, maximum: allPoints.map(\.x).max() ?? 1,
                               targetTickCount: 10, integerSteps: true)
        let yScale = NiceScale(minimum: allPoints.map(\.y).min() ?? 0, maximum: allPoints.map(\.y).max() ?? 1,
                               targetTickCount: 6, bounds: yBounds)

        let longestTick = yScale.ticks.map { yScale.label($0).count }.max() ?? 1
        let left = 40 + Double(longestTick) * LineChart.characterWidth
        let top = 14.0
        let bottom = 58.0
        let longestLabel = drawn.map(\.label.count).max() ?? 0
        let legendWidth = min(max(Double(longestLabel) * LineChart.characterWidth + 52, 130), 280)
        let plotWidth = max(width - left - legendWidth - 16, 200)
        let legendHeight = Double(drawn.count) * LineChart.legendRowHeight + 12
        let plotHeight = max(self.plotHeight, legendHeight)
        let height = top + plotHeight + bottom
        let plot = Frame(left: left, top: top, width: plotWidth, height: plotHeight)

        var svg = SVGText()
        svg.open("svg", [
            ("xmlns", "http://www.w3.org/2000/svg"),
            ("viewBox", "0 0 \(NumberText.coordinate(width)) \(NumberText.coordinate(height))"),
            ("width", NumberText.coordinate(width)), ("height", NumberText.coordinate(height)),
            ("role", "img"), ("aria-label", title),
            ("font-family", LineChart.fontFamily), ("font-size", "12"),
        ])
        svg.element("title", text: title)
        svg.element("rect", [("x", "0"), ("y", "0"), ("width", NumberText.coordinate(width)),
                             ("height", NumberText.coordinate(height)), ("fill", "#ffffff")])
        if allPoints.isEmpty {
            // Ticks would suggest values that are not there: only the axes and their titles.
            let none = NiceScale(minimum: 0, maximum: 1)
            drawGrid(into: &svg, plot: plot, xScale: none.withoutTicks, yScale: none.withoutTicks)
        } else {
            drawGrid(into: &svg, plot: plot, xScale: xScale, yScale: yScale)
        }
        if allPoints.isEmpty {
            svg.element("text", [("x", NumberText.coordinate(plot.left + plot.width / 2)),
                                 ("y", NumberText.coordinate(plot.top + plot.height / 2)),
                                 ("text-anchor", "middle"), ("fill", "#666666"), ("font-size", "14")],
                        text: "No finite values to plot")
        }
        for line in drawn {
            drawSeries(line, into: &svg, plot: plot, xScale: xScale, yScale: yScale)
        }
        drawLegend(drawn, into: &svg, left: plot.left + plot.width + 20, top: plot.top + 6,
                   maximumCharacters: Int((legendWidth - 52) / LineChart.characterWidth))
        svg.close("svg")
        return svg.text
    }

    /// The plot area, in SVG units.
    private struct Frame {
        let left, top, width, height: Double
        var bottom: Double { top + height }
        var right: Double { left + width }
        /// Keeps the first and last x values (and their markers) off the axis lines.
        static let horizontalInset = 14.0

        /// Where `value` lies horizontally.
        func x(_ value: Double, on scale: NiceScale) -> Double {
            left + Frame.horizontalInset + scale.position(value) * (width - 2 * Frame.horizontalInset)
        }

        /// Where `value` lies vertically.
        func y(_ value: Double, on scale: NiceScale) -> Double {
            bottom - scale.position(value) * height
        }
    }

    private func drawGrid(into svg: inout SVGText, plot: Frame, xScale: NiceScale, yScale: NiceScale) {
        let c = NumberText.coordinate
        svg.open("g", [("class", "grid"), ("stroke", "#e3e3e3"), ("stroke-width", "1")])
        for tick in yScale.ticks {
            let y = plot.y(tick, on: yScale)
            svg.element("line", [("x1", c(plot.left)), ("y1", c(y)), ("x2", c(plot.right)), ("y2", c(y))])
        }
        for tick in xScale.ticks {
            let x = plot.x(tick, on: xScale)
            svg.element("line", [("x1", c(x)), ("y1", c(plot.top)), ("x2", c(x)), ("y2", c(plot.bottom)),
                                 ("stroke", "#f0f0f0")])
        }
        svg.close("g")

        svg.open("g", [("class", "axes"), ("stroke", "#555555"), ("stroke-width", "1")])
        svg.element("line", [("x1", c(plot.left)), ("y1", c(plot.bottom)), ("x2", c(plot.right)), ("y2", c(plot.bottom))])
        svg.element("line", [("x1", c(plot.left)), ("y1", c(plot.top)), ("x2", c(plot.left)), ("y2", c(plot.bottom))])
        for tick in yScale.ticks {
            let y = plot.y(tick, on: yScale)
            svg.element("line", [("x1", c(plot.left - 5)), ("y1", c(y)), ("x2", c(plot.left)), ("y2", c(y))])
        }
        for tick in xScale.ticks {
            let x = plot.x(tick, on: xScale)
            svg.element("line", [("x1", c(x)), ("y1", c(plot.bottom)), ("x2", c(x)), ("y2", c(plot.bottom + 5))])
        }
        svg.close("g")

        svg.open("g", [("class", "tick-labels"), ("fill", "#444444")])
        for tick in yScale.ticks {
            let y = plot.y(tick, on: yScale)
            svg.element("text", [("x", c(plot.left - 9)), ("y", c(y + 4)), ("text-anchor", "end")], text: yScale.label(tick))
        }
        for tick in xScale.ticks {
            let x = plot.x(tick, on: xScale)
            svg.element("text", [("x", c(x)), ("y", c(plot.bottom + 20)), ("text-anchor", "middle")], text: xScale.label(tick))
        }
        svg.close("g")

        svg.open("g", [("class", "axis-titles"), ("fill", "#222222"), ("font-size", "13")])
        svg.element("text", [("x", c(plot.left + plot.width / 2)), ("y", c(plot.bottom + 46)), ("text-anchor", "middle")],
                    text: xAxisTitle)
        let titleX = 16.0
        let titleY = plot.top + plot.height / 2
        svg.element("text", [("x", c(titleX)), ("y", c(titleY)), ("text-anchor", "middle"),
                             ("transform", "rotate(-90 \(c(titleX)) \(c(titleY)))")],
                    text: yAxisTitle)
        svg.close("g")
    }

    private func drawSeries(_ line: ChartSeries, into svg: inout SVGText, plot: Frame, xScale: NiceScale, yScale: NiceScale) {
        let points = line.points
        guard points.contains(where: { $0.y.isFinite }) else { return }
        let c = NumberText.coordinate
        let place = { (point: (x: Double, y: Double)) -> (x: Double, y: Double) in
            let x = plot.x(point.x, on: xScale)
            let y = plot.y(point.y, on: yScale)
            return (min(max(x, plot.left), plot.right), min(max(y, plot.top), plot.bottom))
        }
        var path = ""
        var continuesLine = false
        for point in points {
            guard point.y.isFinite else {
                continuesLine = false
                continue
            }
            let placed = place(point)
            path += (path.isEmpty ? "M" : continuesLine ? " L" : " M") + c(placed.x) + " " + c(placed.y)
            continuesLine = true
        }
        var attributes = [("class", "series"), ("d", path), ("fill", "none"), ("stroke", line.style.color),
                          ("stroke-width", "2.25"), ("stroke-linejoin", "round"), ("stroke-linecap", "round")]
        if line.isDashed { attributes.append(("stroke-dasharray", "7 5")) }
        svg.open("path", attributes)
        svg.element("title", text: line.label)
        svg.close("path")

        let showsAllMarkers = points.count <= LineChart.markerLimit
        let fill = line.isDashed ? "#ffffff" : line.style.color
        svg.open("g", [("class", "markers"), ("fill", fill), ("stroke", line.style.color), ("stroke-width", "1.5")])
        for (index, point) in points.enumerated() where point.y.isFinite {
            let isLone = (index == 0 || !points[index - 1].y.isFinite)
                && (index == points.count - 1 || !points[index + 1].y.isFinite)
            guard showsAllMarkers || isLone else { continue }
            let placed = place(point)
            let tooltip = "\(line.label), \(xAxisTitle.lowercased()) \(xScale.label(point.x)): "
                + yScale.label(point.y, extraDigits: 2) + yUnit
            LineChart.drawMarker(line.style.marker, at: placed, into: &svg, tooltip: tooltip)
        }
        svg.close("g")
    }

    private static func drawMarker(_ marker: ChartStyle.Marker, at point: (x: Double, y: Double),
                                   into svg: inout SVGText, tooltip: String) {
        let c = NumberText.coordinate
        let (x, y) = point
        switch marker {
        case .circle:
            svg.open("circle", [("cx", c(x)), ("cy", c(y)), ("r", "3.5")])
            svg.element("title", text: tooltip)
            svg.close("circle")
        case .square:
            svg.open("rect", [("x", c(x - 3.2)), ("y", c(y - 3.2)), ("width", "6.4"), ("height", "6.4")])
            svg.element("title", text: tooltip)
            svg.close("rect")
        case .diamond:
            svg.open("path", [("d", "M\(c(x)) \(c(y - 4.5)) L\(c(x + 4.5)) \(c(y)) L\(c(x)) \(c(y + 4.5)) L\(c(x - 4.5)) \(c(y)) Z")])
            svg.element("title", text: tooltip)
            svg.close("path")
        case .triangle:
            svg.open("path", [("d", "M\(c(x)) \(c(y - 4.5)) L\(c(x + 4.3)) \(c(y + 3.5)) L\(c(x - 4.3)) \(c(y + 3.5)) Z")])
            svg.element("title", text: tooltip)
            svg.close("path")
        }
    }

    private func drawLegend(_ lines: [ChartSeries], into svg: inout SVGText, left: Double, top: Double, maximumCharacters: Int) {
        guard !lines.isEmpty else { return }
        let c = NumberText.coordinate
        svg.open("g", [("class", "legend"), ("font-size", "12.5"), ("fill", "#222222")])
        for (index, line) in lines.enumerated() {
            let y = top + Double(index) * LineChart.legendRowHeight + LineChart.legendRowHeight / 2
            var attributes = [("x1", c(left)), ("y1", c(y)), ("x2", c(left + 30)), ("y2", c(y)),
                              ("stroke", line.style.color), ("stroke-width", "2.25")]
            if line.isDashed { attributes.append(("stroke-dasharray", "7 5")) }
            svg.element("line", attributes)
            svg.open("g", [("fill", line.isDashed ? "#ffffff" : line.style.color), ("stroke", line.style.color), ("stroke-width", "1.5")])
            LineChart.drawMarker(line.style.marker, at: (left + 15, y), into: &svg, tooltip: line.label)
            svg.close("g")
            let label = line.label(maximumCharacters: maximumCharacters)
            svg.open("g")
            svg.element("title", text: line.label)
            svg.element("text", [("class", "legend-label"), ("x", c(left + 38)), ("y", c(y + 4.5))], text: label)
            svg.close("g")
        }
        svg.close("g")
    }
}

/// The colour and marker that identify one training method in every chart of a report.
///
/// Colours come from the Okabe–Ito palette, which stays distinguishable with the common
/// forms of colour blindness; markers differ too, so that methods can be told apart in
/// grey-scale print. Both repeat after the palette's length.
struct ChartStyle: Equatable {
    /// A CSS colour.
    let color: String
    let marker: Marker

    /// The shape drawn at each data point.
    enum Marker: CaseIterable {
        case circle, square, diamond, triangle
    }

    static let colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]

    /// The style of the `index`-th method (from 0).
    static func forMethod(at index: Int) -> ChartStyle {
        let markers = Marker.allCases
        let position = max(index, 0)
        return ChartStyle(color: colors[position % colors.count], marker: markers[position % markers.count])
    }
}

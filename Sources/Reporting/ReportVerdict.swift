extension HTMLReport {
    /// Which of the compared methods reached the highest test accuracy, and by how much:
    /// `"dora is ahead: 97.45% test accuracy against lora's 97.12% (+0.33 points), with 13,226
    /// against 12,810 trainable parameters."`. Rows named `excluding` (the pretrained base
    /// model) and rows without an accuracy take no part; `nil` with fewer than two left.
    /// A tie (equal accuracies) says so.
    public static func verdict(_ rows: [SummaryRow], excluding excluded: Set<String> = []) -> String? {
        let compared = rows.filter { !excluded.contains($0.method) && ($0.testAccuracy?.isFinite ?? false) }
        guard compared.count >= 2 else { return nil }
        let ranked = compared.sorted { ($0.testAccuracy ?? 0) > ($1.testAccuracy ?? 0) }
        let (best, second) = (ranked[0], ranked[1])
        let bestAccuracy = best.testAccuracy ?? 0, secondAccuracy = second.testAccuracy ?? 0
        let points = (bestAccuracy - secondAccuracy) * 100
        let parameters = "with \(NumberText.grouped(best.trainableParameters)) against \(NumberText.grouped(second.trainableParameters)) trainable parameters."
        guard NumberText.percent(bestAccuracy) != NumberText.percent(secondAccuracy) else {
            return "\(best.method) and \(second.method) tie at \(NumberText.percent(bestAccuracy)) test accuracy, \(parameters)"
        }
        return "\(best.method) is ahead: \(NumberText.percent(bestAccuracy)) test accuracy against \(second.method)'s "
            + "\(NumberText.percent(secondAccuracy)) (+\(NumberText.fixed(points, digits: 2)) points), \(parameters)"
    }
}

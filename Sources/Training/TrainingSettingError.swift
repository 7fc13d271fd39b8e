/// A value given to the training API (a batch size, a step count, a norm) is out of range.
public enum TrainingSettingError: Error, Equatable, CustomStringConvertible {
    /// `setting` (the API name, e.g. `batchSize`) was `value`; `expected` says what is allowed.
    case invalid(setting: String, value: String, expected: String)

    public var description: String {
        switch self {
        case let .invalid(setting, value, expected):
            return "The training setting '\(setting)' is \(value); it must be \(expected)."
        }
    }

    /// Throws unless `value >= minimum`.
    static func checkAtLeast(_ value: Int, _ minimum: Int, setting: String) throws(TrainingSettingError) {
        guard value >= minimum else { throw .invalid(setting: setting, value: String(value), expected: "at least \(minimum)") }
    }
}

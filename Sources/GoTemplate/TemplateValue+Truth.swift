extension TemplateValue {
    /// Go's template truth: false, zero, nil and empty strings, arrays and maps are false; a
    /// struct is always true.
    public var isTrue: Bool {
        switch self {
        case .null: false
        case .bool(let value): value
        case .int(let value): value != 0
        case .double(let value): value != 0
        case .string(let value): !value.isEmpty
        case .array(let elements): !elements.isEmpty
        case .map(let fields): !(fields?.isEmpty ?? true)
        case .object: true
        }
    }
}

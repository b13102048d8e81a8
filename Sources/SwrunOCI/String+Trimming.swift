extension StringProtocol {
    /// The text without leading and trailing blanks (spaces and tabs, and with
    /// `newlines` line breaks too): Foundation's `trimmingCharacters`, which this module
    /// does without.
    func trimmingBlanks(newlines: Bool = false) -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || (newlines && $0.isNewline) }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else { return "" }
        return String(self[first...last])
    }
}

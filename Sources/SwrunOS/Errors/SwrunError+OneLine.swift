extension SwrunError {
    /// Any error as one bounded line: a `SwrunError`'s message, a decoding failure as
    /// what was wrong and where, anything else as it describes itself, newlines folded.
    public static func oneLine(_ error: any Error) -> String {
        if let error = error as? SwrunError { return error.message }
        if let error = error as? DecodingError { return oneLine(describing: error) }
        return oneLine(String(describing: error))
    }

    /// Collapses newlines and bounds the length so a message stays one line.
    public static func oneLine(_ text: String) -> String {
        let flat = text.split(whereSeparator: { $0.isNewline })
            .map { $0.drop(while: { $0 == " " || $0 == "\t" }) }
            .map { line in line.reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed() }
            .map { String($0) }
            .joined(separator: " ")
        return flat.count > 300 ? String(flat.prefix(300)) + "…" : flat
    }

    /// "missing key cwd at process", "expected … at linux.resources": what was wrong
    /// and where, rather than Swift's multi-line dump of the decoding context.
    private static func oneLine(describing error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return keys.isEmpty ? "" : " at " + keys.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return oneLine(context.debugDescription + path(context))
        case .keyNotFound(let key, let context):
            return "missing key \(key.stringValue)" + path(context)
        @unknown default:
            return oneLine(String(describing: error))
        }
    }
}

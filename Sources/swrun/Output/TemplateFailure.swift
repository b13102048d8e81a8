import GoTemplate

/// How a `--format` template that does not parse, or fails on the data, ends a command: the one
/// place its message and exit code are chosen. docker's listings (`ps`, `images`, …) say
/// "template parsing error: …" for both (docker exits 1; swrun 125, as for all its own errors).
/// docker's `inspect` exits 64 when the template does not parse and 1 when it fails on an object;
/// swrun words both "Template parsing error: …", as older docker releases do.
enum TemplateFailure {
    /// A listing's `--format`.
    case listing
    /// `inspect --format` that does not parse.
    case inspectParse
    /// `inspect --format` that fails on an object.
    case inspectRender

    /// The failure of a command whose template threw `error`.
    func failure(_ error: TemplateError) -> CommandFailure {
        switch self {
        case .listing: CommandFailure(message: "template parsing error: \(error.message)", exitCode: 125)
        case .inspectParse: CommandFailure(message: "Template parsing error: \(error.message)", exitCode: 64)
        case .inspectRender: CommandFailure(message: "Template parsing error: \(error.message)", exitCode: 1)
        }
    }

    /// Runs `body`; a `TemplateError` it throws becomes this failure.
    func mapping<Result>(_ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch let error as TemplateError {
            throw failure(error)
        }
    }
}

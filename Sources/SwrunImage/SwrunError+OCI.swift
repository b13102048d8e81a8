import SwrunOS

/// Runs `body`. SwrunOCI throws `SwrunError` itself now; this stays only until the
/// branches that still call it are merged.
func translatingOCIErrors<Result>(_ body: () throws -> Result) rethrows -> Result {
    try body()
}

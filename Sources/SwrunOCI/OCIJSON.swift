import FoundationEssentials
import Glibc

/// JSON for content-addressed documents: deterministic bytes (sorted keys, slashes
/// unescaped) so one value always hashes to one digest.
public enum OCIJSON {
    /// The canonical bytes of `value`.
    public static func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw OCIError(.invalidArgument, "encode \(Value.self): \(error)")
        }
    }

    /// Decodes `bytes`; unknown fields are ignored. `what` names the document in the
    /// error ("config sha256:…").
    public static func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8], what: String) throws -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw OCIError(.corrupt, "\(what): invalid JSON: \(describe(error))")
        } catch {
            throw OCIError(.corrupt, "\(what): invalid JSON: \(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return keys.isEmpty ? "" : " at " + keys.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return context.debugDescription + path(context)
        case .keyNotFound(let key, let context):
            return "missing key \(key.stringValue)" + path(context)
        @unknown default:
            return "\(error)"
        }
    }
}

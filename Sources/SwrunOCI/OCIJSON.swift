import FoundationEssentials
import Glibc
import SwrunOS

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
            throw SwrunError(.invalidArgument, "encode \(Value.self)", cause: error)
        }
    }

    /// Decodes `bytes`; unknown fields are ignored. `what` names the document in the
    /// error ("config sha256:…").
    public static func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8], what: String) throws -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw SwrunError(.corrupt, "\(what): invalid JSON", cause: error)
        }
    }
}

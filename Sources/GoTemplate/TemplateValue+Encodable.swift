import Foundation

extension TemplateValue {
    /// The template data for an `Encodable` value, in the order its `encode(to:)` writes keys, which
    /// for synthesized conformances is declaration order, the order Go prints struct fields in.
    ///
    /// Keyed values become structs (`object`), except Swift dictionaries with `String` keys and
    /// properties named in `mapKeys` (for example `Labels`), which become maps; a nil one becomes a
    /// nil map. Like Go's encoding/json, a `Date` becomes an RFC 3339 string, `Data` base64, and a
    /// `URL` its absolute string. Synthesized conformances leave nil optionals out entirely; encode
    /// them with `encodeNil` where a template may name them, since a missing struct field is an error.
    public static func from<T: Encodable>(_ value: T, mapKeys: Set<String> = []) throws -> TemplateValue {
        let root = EncodingSlot()
        do {
            try root.store(value, codingPath: [])
        } catch {
            throw TemplateError(.encoding, "encode \(T.self) as template data: \(error)")
        }
        return root.build(mapKeys: mapKeys)
    }
}

/// Marks the dictionaries that encode as keyed containers with their keys as written.
private protocol StringKeyedDictionary {}
extension Dictionary: StringKeyedDictionary where Key == String {}

/// Where one encoded value lands; containers fill it in, `build` turns the tree into a value.
private final class EncodingSlot {
    enum Content {
        case empty
        case value(TemplateValue)
        case keyed(keys: [String], slots: [String: EncodingSlot])
        case unkeyed([EncodingSlot])
    }

    var content = Content.empty
    var isMap = false

    func store(_ value: some Encodable, codingPath: [any CodingKey]) throws {
        switch value {
        case let date as Date:
            content = .value(.string(Self.rfc3339(date)))
        case let data as Data:
            content = .value(.string(data.base64EncodedString()))
        case let url as URL:
            content = .value(.string(url.absoluteString))
        default:
            if value is StringKeyedDictionary { isMap = true }
            try value.encode(to: SlotEncoder(slot: self, codingPath: codingPath))
        }
    }

    func child(forKey key: String) -> EncodingSlot {
        var keys: [String] = []
        var slots: [String: EncodingSlot] = [:]
        if case .keyed(let existingKeys, let existingSlots) = content {
            keys = existingKeys
            slots = existingSlots
        }
        let slot = EncodingSlot()
        if slots[key] == nil { keys.append(key) }
        slots[key] = slot
        content = .keyed(keys: keys, slots: slots)
        return slot
    }

    func appendChild() -> EncodingSlot {
        var slots: [EncodingSlot] = []
        if case .unkeyed(let existing) = content { slots = existing }
        let slot = EncodingSlot()
        slots.append(slot)
        content = .unkeyed(slots)
        return slot
    }

    func makeKeyed() {
        if case .keyed = content { return }
        content = .keyed(keys: [], slots: [:])
    }

    func makeUnkeyed() {
        if case .unkeyed = content { return }
        content = .unkeyed([])
    }

    func build(mapKeys: Set<String>) -> TemplateValue {
        switch content {
        case .empty:
            return .object(TemplateFields())
        case .value(let value):
            return value
        case .unkeyed(let slots):
            return .array(slots.map { $0.build(mapKeys: mapKeys) })
        case .keyed(let keys, let slots):
            var fields = TemplateFields()
            for key in keys {
                guard let slot = slots[key] else { continue }
                let value = slot.build(mapKeys: mapKeys)
                fields[key] = mapKeys.contains(key) ? value.asMap : value
            }
            if isMap {
                return .map(TemplateFields(fields.sortedByKey.map { ($0.key, $0.value) }))
            }
            return .object(fields)
        }
    }

    /// Go's `time.Time` JSON form (RFC 3339 with trailing zeros of the fraction dropped), in UTC and
    /// to the microsecond a `Double` holds for present-day dates.
    static func rfc3339(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = Int64(interval.rounded(.down))
        var micros = Int64(((interval - Double(seconds)) * 1_000_000).rounded())
        if micros >= 1_000_000 {
            seconds += 1
            micros -= 1_000_000
        }
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)

        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
            + "\(pad(secondOfDay / 3_600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if micros > 0 {
            var fraction = pad(micros, 6)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }
}

extension TemplateValue {
    /// The same entries as a map: a struct's fields become keys, null becomes a nil map.
    var asMap: TemplateValue {
        switch self {
        case .object(let fields): .map(TemplateFields(fields.sortedByKey.map { ($0.key, $0.value) }))
        case .null: .map(nil)
        default: self
        }
    }
}

private struct SlotEncoder: Encoder {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        slot.makeKeyed()
        return KeyedEncodingContainer(KeyedSlotContainer<Key>(slot: slot, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        slot.makeUnkeyed()
        return UnkeyedSlotContainer(slot: slot, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueSlotContainer(slot: slot, codingPath: codingPath)
    }
}

private struct KeyedSlotContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws {
        slot.child(forKey: key.stringValue).content = .value(.null)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try slot.child(forKey: key.stringValue).store(value, codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let child = slot.child(forKey: key.stringValue)
        child.makeKeyed()
        return KeyedEncodingContainer(KeyedSlotContainer<NestedKey>(slot: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = slot.child(forKey: key.stringValue)
        child.makeUnkeyed()
        return UnkeyedSlotContainer(slot: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        SlotEncoder(slot: slot.child(forKey: "super"), codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        SlotEncoder(slot: slot.child(forKey: key.stringValue), codingPath: codingPath + [key])
    }
}

private struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { String(intValue ?? 0) }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct UnkeyedSlotContainer: UnkeyedEncodingContainer {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]

    var count: Int {
        if case .unkeyed(let slots) = slot.content { return slots.count }
        return 0
    }

    mutating func encodeNil() throws {
        slot.appendChild().content = .value(.null)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = codingPath + [IndexKey(count)]
        try slot.appendChild().store(value, codingPath: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = codingPath + [IndexKey(count)]
        let child = slot.appendChild()
        child.makeKeyed()
        return KeyedEncodingContainer(KeyedSlotContainer<NestedKey>(slot: child, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = codingPath + [IndexKey(count)]
        let child = slot.appendChild()
        child.makeUnkeyed()
        return UnkeyedSlotContainer(slot: child, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let path = codingPath + [IndexKey(count)]
        return SlotEncoder(slot: slot.appendChild(), codingPath: path)
    }
}

private struct SingleValueSlotContainer: SingleValueEncodingContainer {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]

    private func set(_ value: TemplateValue) { slot.content = .value(value) }

    mutating func encodeNil() throws { set(.null) }
    mutating func encode(_ value: Bool) throws { set(.bool(value)) }
    mutating func encode(_ value: String) throws { set(.string(value)) }
    mutating func encode(_ value: Double) throws { set(.double(value)) }
    // Through its shortest text, so 0.1 as a Float stays 0.1 as Go prints a float32.
    mutating func encode(_ value: Float) throws { set(.double(Double("\(value)") ?? Double(value))) }
    mutating func encode(_ value: Int) throws { set(.int(Int64(value))) }
    mutating func encode(_ value: Int8) throws { set(.int(Int64(value))) }
    mutating func encode(_ value: Int16) throws { set(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { set(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { set(.int(value)) }
    mutating func encode(_ value: UInt) throws { set(Self.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { set(.int(Int64(value))) }
    mutating func encode(_ value: UInt16) throws { set(.int(Int64(value))) }
    mutating func encode(_ value: UInt32) throws { set(.int(Int64(value))) }
    mutating func encode(_ value: UInt64) throws { set(Self.unsigned(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try slot.store(value, codingPath: codingPath)
    }

    /// Values above `Int64.max` have no integer case; they keep their magnitude as a double.
    private static func unsigned(_ value: UInt64) -> TemplateValue {
        value <= UInt64(Int64.max) ? .int(Int64(value)) : .double(Double(value))
    }
}

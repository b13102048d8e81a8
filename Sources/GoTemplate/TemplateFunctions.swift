/// The functions a template may call: Go's builtins and the ones docker's CLI adds (`json`,
/// `join`, `split`, `title`, `lower`, `upper`, `pad`, `truncate`). `and` and `or` short-circuit,
/// so the executor runs them itself.
enum TemplateFunctions {
    /// docker renders a table's header row with the same template against a map of column titles,
    /// with its string functions replaced by ones that return the title unchanged.
    enum Mode {
        case standard
        case header
    }

    /// Why a call failed; the executor turns it into Go's message.
    enum Failure: Error {
        /// `wrong number of args for join: want 2 got 1`, reported at the function's name.
        case arity(String)
        /// An argument of the wrong type, reported at that argument.
        case argument(index: Int, message: String)
        /// The function itself failed: `error calling index: index out of range: 5`.
        case call(String)
    }

    static let names: Set<String> = [
        "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println",
        "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
        "json", "split", "join", "title", "lower", "upper", "pad", "truncate",
    ]

    private enum Arity {
        case exactly(Int)
        case atLeast(Int)
    }

    private static func arity(of name: String) -> Arity {
        switch name {
        case "and", "or", "index", "slice", "printf", "eq", "call": .atLeast(1)
        case "print", "println", "html", "js", "urlquery": .atLeast(0)
        case "ne", "lt", "le", "gt", "ge", "split", "join", "truncate": .exactly(2)
        case "pad": .exactly(3)
        default: .exactly(1)
        }
    }

    /// Checks the count before any argument is evaluated, as Go does.
    static func checkArity(_ name: String, count: Int) throws(Failure) {
        switch arity(of: name) {
        case .exactly(let wanted) where wanted != count:
            throw .arity("wrong number of args for \(name): want \(wanted) got \(count)")
        case .atLeast(let wanted) where count < wanted:
            throw .arity("wrong number of args for \(name): want at least \(wanted) got \(count)")
        default:
            break
        }
    }

    static func call(_ name: String, _ args: [TemplateValue], mode: Mode) throws(Failure) -> TemplateValue {
        if mode == .header {
            switch name {
            case "json", "title", "lower", "upper", "split", "join", "truncate":
                if name == "truncate" { _ = try integer(args, 1) }
                return .string(try string(args, 0))
            default:
                break
            }
        }
        switch name {
        case "not": return .bool(!args[0].isTrue)
        case "len": return try length(args[0])
        case "index": return try index(args[0], Array(args.dropFirst()))
        case "slice": return try slice(args[0], Array(args.dropFirst()))
        case "print": return .string(GoFormatter.sprint(args))
        case "println": return .string(GoFormatter.sprintln(args))
        case "printf": return .string(GoFormatter.sprintf(try string(args, 0), Array(args.dropFirst())))
        case "html": return .string(TextEscaping.html(printed(args)))
        case "js": return .string(TextEscaping.javaScript(printed(args)))
        case "urlquery": return .string(TextEscaping.queryEscape(printed(args)))
        case "eq": return .bool(try equal(args[0], Array(args.dropFirst())))
        case "ne": return .bool(!(try equal(args[0], [args[1]])))
        case "lt": return .bool(try less(args[0], args[1]))
        case "le", "gt":
            let isLess = try less(args[0], args[1])
            let isEqual = try equal(args[0], [args[1]])
            let isLessOrEqual = isLess || isEqual
            return .bool(name == "le" ? isLessOrEqual : !isLessOrEqual)
        case "ge": return .bool(!(try less(args[0], args[1])))
        case "call":
            if case .null = args[0] { throw .call("call of nil") }
            throw .call("non-function of type \(GoFormatter.typeName(args[0]))")
        case "json": return .string(args[0].jsonString(escapeHTML: false))
        case "split": return .array(split(try string(args, 0), separator: try string(args, 1)).map(TemplateValue.string))
        case "join": return .string(try strings(args, 0).joined(separator: try string(args, 1)))
        case "title": return .string(TextEscaping.title(try string(args, 0)))
        case "lower": return .string(try string(args, 0).lowercased())
        case "upper": return .string(try string(args, 0).uppercased())
        case "pad":
            let source = try string(args, 0)
            let prefix = try integer(args, 1)
            let suffix = try integer(args, 2)
            if source.isEmpty { return .string(source) }
            return .string(String(repeating: " ", count: max(0, prefix)) + source + String(repeating: " ", count: max(0, suffix)))
        case "truncate":
            let source = try string(args, 0)
            let length = try integer(args, 1)
            let bytes = Array(source.utf8)
            // Go slices bytes; a cut inside a character leaves U+FFFD here.
            if bytes.count < length { return .string(source) }
            return .string(String(decoding: bytes.prefix(max(0, length)), as: UTF8.self))
        default:
            throw .call("function \(name) is not implemented")
        }
    }

    // MARK: Arguments

    private static func string(_ args: [TemplateValue], _ index: Int) throws(Failure) -> String {
        switch args[index] {
        case .string(let value): return value
        case .null: throw .argument(index: index, message: "invalid value; expected string")
        default: throw .argument(index: index, message: "wrong type for value; expected string; got \(GoFormatter.typeName(args[index]))")
        }
    }

    private static func integer(_ args: [TemplateValue], _ index: Int) throws(Failure) -> Int {
        switch args[index] {
        case .int(let value): return Int(clamping: value)
        case .null: throw .argument(index: index, message: "invalid value; expected int")
        default: throw .argument(index: index, message: "wrong type for value; expected int; got \(GoFormatter.typeName(args[index]))")
        }
    }

    /// A `[]string` parameter: null is Go's nil slice.
    private static func strings(_ args: [TemplateValue], _ index: Int) throws(Failure) -> [String] {
        switch args[index] {
        case .null:
            return []
        case .array(let elements):
            var result: [String] = []
            for element in elements {
                guard case .string(let value) = element else {
                    throw .argument(index: index, message: "wrong type for value; expected []string; got []interface {}")
                }
                result.append(value)
            }
            return result
        default:
            throw .argument(index: index, message: "wrong type for value; expected []string; got \(GoFormatter.typeName(args[index]))")
        }
    }

    /// html, js and urlquery take one string as it is, anything else as fmt.Sprint prints it.
    private static func printed(_ args: [TemplateValue]) -> String {
        if args.count == 1, case .string(let value) = args[0] { return value }
        return GoFormatter.sprint(args)
    }

    // MARK: Builtins

    /// Null counts as Go's nil slice here (JSON cannot tell a nil slice from a nil pointer).
    private static func length(_ value: TemplateValue) throws(Failure) -> TemplateValue {
        switch value {
        case .string(let string): return .int(Int64(string.utf8.count))
        case .array(let elements): return .int(Int64(elements.count))
        case .map(let fields): return .int(Int64(fields?.count ?? 0))
        case .null: return .int(0)
        default: throw .call("len of type \(GoFormatter.typeName(value))")
        }
    }

    private static func position(_ index: TemplateValue, count: Int, allowEnd: Bool) throws(Failure) -> Int {
        switch index {
        case .int(let value):
            guard value >= 0, value < count || (allowEnd && value == count) else {
                throw .call("index out of range: \(value)")
            }
            return Int(value)
        case .null:
            throw .call("cannot index slice/array with nil")
        default:
            throw .call("cannot index slice/array with type \(GoFormatter.typeName(index))")
        }
    }

    private static func index(_ item: TemplateValue, _ indexes: [TemplateValue]) throws(Failure) -> TemplateValue {
        if case .null = item { throw .call("index of untyped nil") }
        var item = item
        for index in indexes {
            switch item {
            case .array(let elements):
                item = elements[try position(index, count: elements.count, allowEnd: false)]
            case .string(let string):
                let bytes = Array(string.utf8)
                item = .int(Int64(bytes[try position(index, count: bytes.count, allowEnd: false)]))
            case .map(let fields):
                guard case .string(let key) = index else {
                    throw .call("value has type \(GoFormatter.typeName(index)); should be string")
                }
                item = fields?[key] ?? zeroElement(of: fields)
            case .null:
                throw .call("index of nil pointer")
            default:
                throw .call("can't index item of type \(GoFormatter.typeName(item))")
            }
        }
        return item
    }

    /// Go's `index` gives the zero value of the map's element type for a missing key. The type is
    /// read off the map's other values; an empty map is taken to be docker's usual map[string]string.
    private static func zeroElement(of fields: TemplateFields?) -> TemplateValue {
        switch fields?.values.first {
        case nil, .string: .string("")
        case .int: .int(0)
        case .double: .double(0)
        case .bool: .bool(false)
        case .array: .array([])
        case .map: .map(nil)
        case .object(let sample): sample.isEmpty ? .object(TemplateFields()) : .null
        case .null: .null
        }
    }

    private static func slice(_ item: TemplateValue, _ indexes: [TemplateValue]) throws(Failure) -> TemplateValue {
        if case .null = item { throw .call("slice of untyped nil") }
        if indexes.count > 3 { throw .call("too many slice indexes: \(indexes.count)") }
        let length: Int
        switch item {
        case .string(let string):
            if indexes.count == 3 { throw .call("cannot 3-index slice a string") }
            length = string.utf8.count
        case .array(let elements):
            length = elements.count
        default:
            throw .call("can't slice item of type \(GoFormatter.typeName(item))")
        }
        var bounds = [0, length, length]
        for (offset, index) in indexes.enumerated() {
            bounds[offset] = try position(index, count: length, allowEnd: true)
        }
        if bounds[0] > bounds[1] { throw .call("invalid slice index: \(bounds[0]) > \(bounds[1])") }
        if indexes.count == 3 && bounds[1] > bounds[2] { throw .call("invalid slice index: \(bounds[1]) > \(bounds[2])") }
        switch item {
        case .string(let string):
            return .string(String(decoding: Array(string.utf8)[bounds[0]..<bounds[1]], as: UTF8.self))
        case .array(let elements):
            return .array(Array(elements[bounds[0]..<bounds[1]]))
        default:
            return item
        }
    }

    private enum BasicKind {
        case bool, int, float, string
    }

    private static func basicKind(_ value: TemplateValue) -> BasicKind? {
        switch value {
        case .bool: .bool
        case .int: .int
        case .double: .float
        case .string: .string
        default: nil
        }
    }

    /// `eq a b c`: whether `a` equals any of the others. Null equals only null.
    private static func equal(_ first: TemplateValue, _ others: [TemplateValue]) throws(Failure) -> Bool {
        guard !others.isEmpty else { throw .call("missing argument for comparison") }
        for other in others {
            if case .null = first {
                if case .null = other { return true }
                continue
            }
            if case .null = other { continue }
            let kind = basicKind(first)
            if kind != basicKind(other) {
                if kind != nil && basicKind(other) != nil { throw .call("incompatible types for comparison") }
                throw .call("non-comparable types \(GoFormatter.print(first)): \(GoFormatter.typeName(first)), \(GoFormatter.typeName(other)): \(GoFormatter.print(other))")
            }
            switch (first, other) {
            case (.array, _), (.map, _):
                throw .call("non-comparable type \(GoFormatter.print(first)): \(GoFormatter.typeName(first))")
            default:
                if first == other { return true }
            }
        }
        return false
    }

    private static func less(_ first: TemplateValue, _ second: TemplateValue) throws(Failure) -> Bool {
        guard let firstKind = basicKind(first), let secondKind = basicKind(second) else {
            throw .call("invalid type for comparison")
        }
        guard firstKind == secondKind else { throw .call("incompatible types for comparison") }
        switch (first, second) {
        case (.int(let a), .int(let b)): return a < b
        case (.double(let a), .double(let b)): return a < b
        case (.string(let a), .string(let b)): return a.utf8.lexicographicallyPrecedes(b.utf8)
        default: throw .call("invalid type for comparison")
        }
    }

    /// strings.Split: an empty separator splits after each character.
    private static func split(_ text: String, separator: String) -> [String] {
        if separator.isEmpty { return text.unicodeScalars.map { String($0) } }
        let bytes = Array(text.utf8)
        let pattern = Array(separator.utf8)
        var parts: [String] = []
        var start = 0
        var index = 0
        while index + pattern.count <= bytes.count {
            if Array(bytes[index..<(index + pattern.count)]) == pattern {
                parts.append(String(decoding: bytes[start..<index], as: UTF8.self))
                index += pattern.count
                start = index
            } else {
                index += 1
            }
        }
        parts.append(String(decoding: bytes[start...], as: UTF8.self))
        return parts
    }
}

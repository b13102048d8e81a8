import Foundation

/// Go's fmt package as templates reach it: `Sprint`, `Sprintln`, `Sprintf`, and the `%v` form the
/// engine prints every action's value in.
enum GoFormatter {
    /// `fmt.Sprint`: a space between two operands when neither is a string.
    static func sprint(_ args: [TemplateValue]) -> String {
        var out = ""
        var previousIsString = false
        for (index, arg) in args.enumerated() {
            let isString = if case .string = arg { true } else { false }
            if index > 0 && !isString && !previousIsString { out += " " }
            out += format(arg, verb: "v", flags: Flags())
            previousIsString = isString
        }
        return out
    }

    /// `fmt.Sprintln`: always a space between operands, and a newline after.
    static func sprintln(_ args: [TemplateValue]) -> String {
        args.map { format($0, verb: "v", flags: Flags()) }.joined(separator: " ") + "\n"
    }

    /// The `%v` form of one value.
    static func print(_ value: TemplateValue) -> String {
        format(value, verb: "v", flags: Flags())
    }

    struct Flags {
        var minus = false
        var plus = false
        var sharp = false
        var space = false
        var zero = false
        /// `%+v`: struct field names; the `+` does not reach the numbers inside.
        var plusV = false
        var width: Int?
        var precision: Int?
    }

    /// `fmt.Sprintf`, with Go's in-band errors: `%!d(string=x)`, `%!d(MISSING)`, `%!(EXTRA int=1)`,
    /// `%!(NOVERB)`.
    static func sprintf(_ format: String, _ args: [TemplateValue]) -> String {
        let chars = Array(format.unicodeScalars)
        var out = ""
        var argIndex = 0
        var i = 0

        func readNumber() -> Int? {
            var value: Int?
            while i < chars.count, (48...57).contains(chars[i].value) {
                value = (value ?? 0) * 10 + Int(chars[i].value - 48)
                i += 1
            }
            return value
        }

        func starArgument() -> Int? {
            i += 1
            guard argIndex < args.count, case .int(let value) = args[argIndex] else {
                argIndex += 1
                return nil
            }
            argIndex += 1
            return Int(value)
        }

        while i < chars.count {
            let char = chars[i]
            i += 1
            if char != "%" {
                out.unicodeScalars.append(char)
                continue
            }
            var flags = Flags()
            flagLoop: while i < chars.count {
                switch chars[i] {
                case "-": flags.minus = true; flags.zero = false
                case "+": flags.plus = true
                case "#": flags.sharp = true
                case " ": flags.space = true
                case "0": flags.zero = !flags.minus
                default: break flagLoop
                }
                i += 1
            }
            if i < chars.count, chars[i] == "*" {
                if let width = starArgument() {
                    flags.width = abs(width)
                    if width < 0 { flags.minus = true; flags.zero = false }
                } else {
                    out += "%!(BADWIDTH)"
                }
            } else {
                flags.width = readNumber()
            }
            if i < chars.count, chars[i] == "." {
                i += 1
                if i < chars.count, chars[i] == "*" {
                    if let precision = starArgument(), precision >= 0 {
                        flags.precision = precision
                    } else {
                        out += "%!(BADPREC)"
                    }
                } else {
                    flags.precision = readNumber() ?? 0
                }
            }
            guard i < chars.count else {
                out += "%!(NOVERB)"
                break
            }
            let verb = chars[i]
            i += 1
            if verb == "%" {
                out += "%"
                continue
            }
            if verb == "v" && flags.plus {
                flags.plus = false
                flags.plusV = true
            }
            guard argIndex < args.count else {
                out += "%!\(verb)(MISSING)"
                continue
            }
            out += Self.format(args[argIndex], verb: verb, flags: flags)
            argIndex += 1
        }
        if argIndex < args.count {
            let extra = args[argIndex...].map { arg -> String in
                if case .null = arg { return "<nil>" }
                return "\(typeName(arg))=\(print(arg))"
            }
            out += "%!(EXTRA \(extra.joined(separator: ", ")))"
        }
        return out
    }

    /// Go's name for the type of a value, as its messages print it.
    static func typeName(_ value: TemplateValue) -> String {
        switch value {
        case .null: "<nil>"
        case .bool: "bool"
        case .int: "int"
        case .double: "float64"
        case .string: "string"
        case .array: "[]interface {}"
        case .object: "struct"
        case .map: "map[string]interface {}"
        }
    }

    static func format(_ value: TemplateValue, verb: Unicode.Scalar, flags: Flags) -> String {
        if verb == "T" { return pad(typeName(value), flags) }
        switch value {
        case .null:
            return verb == "v" ? pad("<nil>", flags) : "%!\(verb)(<nil>)"
        case .bool(let bool):
            return verb == "v" || verb == "t" ? pad(bool ? "true" : "false", flags) : badVerb(value, verb, flags)
        case .int(let int):
            return formatInteger(int, verb: verb, flags: flags) ?? badVerb(value, verb, flags)
        case .double(let double):
            return formatFloat(double, verb: verb, flags: flags) ?? badVerb(value, verb, flags)
        case .string(let string):
            return formatString(string, verb: verb, flags: flags) ?? badVerb(value, verb, flags)
        case .array(let elements):
            return "[" + elements.map { format($0, verb: verb, flags: flags) }.joined(separator: " ") + "]"
        case .map(let fields):
            let entries = (fields?.sortedByKey ?? []).map {
                format(.string($0.key), verb: verb, flags: flags) + ":" + format($0.value, verb: verb, flags: flags)
            }
            return "map[" + entries.joined(separator: " ") + "]"
        case .object(let fields):
            let entries = fields.map { (flags.plusV ? $0.key + ":" : "") + format($0.value, verb: verb, flags: flags) }
            return "{" + entries.joined(separator: " ") + "}"
        }
    }

    private static func badVerb(_ value: TemplateValue, _ verb: Unicode.Scalar, _ flags: Flags) -> String {
        "%!\(verb)(\(typeName(value))=\(format(value, verb: "v", flags: flags)))"
    }

    /// Pads to the width in runes: spaces on the left, or on the right with `-`.
    private static func pad(_ text: String, _ flags: Flags, zeroAllowed: Bool = false) -> String {
        guard let width = flags.width else { return text }
        let count = text.unicodeScalars.count
        guard width > count else { return text }
        let fill = String(repeating: zeroAllowed && flags.zero ? "0" : " ", count: width - count)
        if flags.minus { return text + fill }
        if zeroAllowed && flags.zero, let first = text.first, first == "-" || first == "+" || first == " " {
            return String(first) + fill + text.dropFirst()
        }
        return fill + text
    }

    private static func formatInteger(_ value: Int64, verb: Unicode.Scalar, flags: Flags) -> String? {
        let base: Int
        var prefix = ""
        var uppercase = false
        switch verb {
        case "v", "d": base = 10
        case "b": base = 2; if flags.sharp { prefix = "0b" }
        case "o": base = 8; if flags.sharp { prefix = "0" }
        case "O": base = 8; prefix = "0o"
        case "x": base = 16; if flags.sharp { prefix = "0x" }
        case "X": base = 16; uppercase = true; if flags.sharp { prefix = "0X" }
        case "c":
            return pad(Unicode.Scalar(UInt32(clamping: value)).map { String(Character($0)) } ?? "\u{FFFD}", flags)
        case "q":
            let scalar = Unicode.Scalar(UInt32(clamping: value)) ?? "\u{FFFD}"
            return pad(quote(String(Character(scalar)), delimiter: "'"), flags)
        case "U":
            let hex = String(UInt64(value.magnitude), radix: 16, uppercase: true)
            return pad("U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex, flags)
        default:
            return nil
        }
        var digits = String(value.magnitude, radix: base, uppercase: uppercase)
        if let precision = flags.precision {
            if precision == 0 && value == 0 { digits = "" }
            if digits.count < precision { digits = String(repeating: "0", count: precision - digits.count) + digits }
        }
        let sign = value < 0 ? "-" : flags.plus ? "+" : flags.space ? " " : ""
        if flags.zero, !flags.minus, flags.precision == nil, let width = flags.width {
            let used = sign.count + prefix.count + digits.count
            if width > used { digits = String(repeating: "0", count: width - used) + digits }
        }
        return pad(sign + prefix + digits, flags)
    }

    private static func formatFloat(_ value: Double, verb: Unicode.Scalar, flags: Flags) -> String? {
        guard ["v", "g", "G", "e", "E", "f", "F"].contains(verb) else { return nil }
        if let special = GoFloatFormat.nonFinite(value) {
            // Infinities keep their sign; NaN gets one only when asked for.
            let sign = value.isNaN ? (flags.plus ? "+" : flags.space ? " " : "") : ""
            return pad(sign + special, flags)
        }
        var text: String
        if (verb == "v" || verb == "g" || verb == "G") && flags.precision == nil {
            text = GoFloatFormat.goPrint(value)
            if verb == "G" { text = text.uppercased() }
            if value >= 0 && value.sign == .plus {
                if flags.plus { text = "+" + text } else if flags.space { text = " " + text }
            }
        } else {
            var cFormat = "%"
            if flags.plus { cFormat += "+" } else if flags.space { cFormat += " " }
            if flags.sharp { cFormat += "#" }
            cFormat += ".\(flags.precision ?? 6)"
            cFormat.unicodeScalars.append(verb == "v" ? "g" : verb)
            text = String(format: cFormat, value)
        }
        return pad(text, flags, zeroAllowed: true)
    }

    private static func formatString(_ value: String, verb: Unicode.Scalar, flags: Flags) -> String? {
        var text = value
        if let precision = flags.precision, verb != "x", verb != "X" {
            text = String(String.UnicodeScalarView(text.unicodeScalars.prefix(precision)))
        }
        switch verb {
        case "v", "s":
            return pad(text, flags)
        case "q":
            return pad(quote(text, delimiter: "\""), flags)
        case "x", "X":
            var bytes = Array(value.utf8)
            if let precision = flags.precision { bytes = Array(bytes.prefix(precision)) }
            let hex = bytes.map { byte -> String in
                let digits = String(byte, radix: 16, uppercase: verb == "X")
                return digits.count == 1 ? "0" + digits : digits
            }
            return pad(hex.joined(), flags)
        default:
            return nil
        }
    }

    /// strconv.Quote (or QuoteRune with `'`): printable characters as they are, the rest escaped.
    static func quote(_ text: String, delimiter: Unicode.Scalar) -> String {
        var out = String(delimiter)
        for scalar in text.unicodeScalars {
            switch scalar {
            case delimiter, "\\": out += "\\" + String(scalar)
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            default:
                if isPrintable(scalar) {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value < 0x80 {
                    out += "\\x" + hex(scalar.value, digits: 2)
                } else if scalar.value < 0x10000 {
                    out += "\\u" + hex(scalar.value, digits: 4)
                } else {
                    out += "\\U" + hex(scalar.value, digits: 8)
                }
            }
        }
        out.unicodeScalars.append(delimiter)
        return out
    }

    static func hex(_ value: UInt32, digits: Int, uppercase: Bool = false) -> String {
        let text = String(value, radix: 16, uppercase: uppercase)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar.value >= 0x20 && scalar.value != 0x7F }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator,
             .spaceSeparator:
            return false
        default:
            return true
        }
    }
}

/// Go's `%q` of a string (strconv.Quote): for messages and history text in docker's words.
public func goQuoted(_ text: String) -> String {
    GoFormatter.quote(text, delimiter: "\"")
}

/// Runs a parsed template against data, following Go's text/template exec.go: the same
/// evaluation order, variable scoping, truth and printing rules, and error messages of the form
/// `template: :LINE:COL: executing "" at <NODE>: MESSAGE`, where NODE is the last one evaluated.
///
/// A Go `reflect.Value` may be invalid (a missing map key); here that is a `nil` `TemplateValue?`,
/// printed as `<no value>` and passed to functions as null.
struct TemplateExecutor {
    private let source: [UInt8]
    private let mode: TemplateFunctions.Mode
    private(set) var output = ""
    private var variables: [(name: String, value: TemplateValue?)]
    private var node: (position: Int, description: String)?

    enum Flow {
        case normal, breakLoop, continueLoop
    }

    /// The value a pipeline hands to its next command as the final argument.
    private enum Final {
        case none
        case value(TemplateValue?)
    }

    init(source: String, data: TemplateValue, mode: TemplateFunctions.Mode) {
        self.source = Array(source.utf8)
        self.mode = mode
        variables = [("$", data)]
    }

    // MARK: Errors

    private mutating func at(_ operand: Operand) {
        node = (operand.position, operand.description)
    }

    private mutating func at(_ pipeline: Pipeline) {
        node = (pipeline.position, pipeline.description)
    }

    private mutating func at(_ command: Command) {
        node = (command.position, command.description)
    }

    private func error(_ message: String) -> TemplateError {
        guard let node else { return TemplateError(.execution, "template: : \(message)") }
        let before = source.prefix(node.position)
        let line = 1 + before.filter { $0 == UInt8(ascii: "\n") }.count
        let column = before.lastIndex(of: UInt8(ascii: "\n")).map { node.position - $0 - 1 } ?? node.position
        return TemplateError(.execution, "template: :\(line):\(column): executing \"\" at <\(node.description)>: \(message)")
    }

    // MARK: Walking

    mutating func walk(_ list: [TemplateNode], dot: TemplateValue?) throws -> Flow {
        for item in list {
            let flow = try walk(item, dot: dot)
            if case .normal = flow { continue }
            return flow
        }
        return .normal
    }

    private mutating func walk(_ item: TemplateNode, dot: TemplateValue?) throws -> Flow {
        switch item {
        case .text(let text):
            output += text
        case .action(let pipeline):
            let value = try evaluate(pipeline, dot: dot)
            if pipeline.declarations.isEmpty { output += value.map(GoFormatter.print) ?? "<no value>" }
        case .ifBlock(let branch):
            return try walkIfOrWith(branch, dot: dot, isWith: false)
        case .withBlock(let branch):
            return try walkIfOrWith(branch, dot: dot, isWith: true)
        case .rangeBlock(let branch):
            return try walkRange(branch, dot: dot)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        }
        return .normal
    }

    private mutating func popVariables(to mark: Int) {
        variables.removeLast(variables.count - mark)
    }

    private mutating func walkIfOrWith(_ branch: TemplateNode.Branch, dot: TemplateValue?, isWith: Bool) throws -> Flow {
        let mark = variables.count
        defer { popVariables(to: mark) }
        let value = try evaluate(branch.pipeline, dot: dot)
        if value?.isTrue ?? false {
            return try walk(branch.list, dot: isWith ? value : dot)
        }
        if let elseList = branch.elseList {
            return try walk(elseList, dot: dot)
        }
        return .normal
    }

    private mutating func walkRange(_ branch: TemplateNode.Branch, dot: TemplateValue?) throws -> Flow {
        let mark = variables.count
        defer { popVariables(to: mark) }
        let value = try evaluate(branch.pipeline, dot: dot)
        let bodyMark = variables.count
        let declarations = branch.pipeline.declarations

        // Runs the body once; false when it hit {{break}}.
        func iterate(_ executor: inout TemplateExecutor, key: TemplateValue, element: TemplateValue) throws -> Bool {
            if branch.pipeline.isAssignment {
                if declarations.count > 1 {
                    try executor.setVariable(declarations[0], key)
                    try executor.setVariable(declarations[1], element)
                } else {
                    try executor.setVariable(declarations[0], element)
                }
            } else {
                if !declarations.isEmpty { executor.variables[bodyMark - 1].value = element }
                if declarations.count > 1 { executor.variables[bodyMark - 2].value = key }
            }
            defer { executor.popVariables(to: bodyMark) }
            if case .breakLoop = try executor.walk(branch.list, dot: element) { return false }
            return true
        }

        switch value {
        case .array(let elements) where !elements.isEmpty:
            for (index, element) in elements.enumerated() {
                guard try iterate(&self, key: .int(Int64(index)), element: element) else { break }
            }
            return .normal
        case .map(let fields?) where !fields.isEmpty:
            for (key, element) in fields.sortedByKey {
                guard try iterate(&self, key: .string(key), element: element) else { break }
            }
            return .normal
        case .int(let count) where count > 0:
            if declarations.count > 1 {
                throw error("can't use \(count) to iterate over more than one variable")
            }
            for index in 0..<count {
                guard try iterate(&self, key: .int(index), element: .int(index)) else { break }
            }
            return .normal
        case .array, .map, .int, .null, nil:
            // Empty, nil (JSON null stands for Go's nil slices and maps too) or missing: the else branch.
            break
        case .bool, .double, .string, .object:
            throw error("range can't iterate over \(value.map(GoFormatter.print) ?? "<no value>")")
        }
        if let elseList = branch.elseList {
            return try walk(elseList, dot: dot)
        }
        return .normal
    }

    // MARK: Variables

    private func variable(_ name: String) throws -> TemplateValue? {
        guard let entry = variables.last(where: { $0.name == name }) else {
            throw error("undefined variable: \(name)")
        }
        return entry.value
    }

    private mutating func setVariable(_ name: String, _ value: TemplateValue?) throws {
        guard let index = variables.lastIndex(where: { $0.name == name }) else {
            throw error("undefined variable: \(name)")
        }
        variables[index].value = value
    }

    // MARK: Evaluation

    private mutating func evaluate(_ pipeline: Pipeline, dot: TemplateValue?) throws -> TemplateValue? {
        at(pipeline)
        var value: TemplateValue?
        var final = Final.none
        for command in pipeline.commands {
            value = try evaluate(command, dot: dot, final: final)
            final = .value(value)
        }
        for name in pipeline.declarations {
            if pipeline.isAssignment {
                try setVariable(name, value)
            } else {
                variables.append((name, value))
            }
        }
        return value
    }

    private mutating func evaluate(_ command: Command, dot: TemplateValue?, final: Final) throws -> TemplateValue? {
        let first = command.arguments[0]
        switch first {
        case .field(let names, _):
            at(first)
            return try fieldChain(receiver: dot, names: names, arguments: command.arguments, final: final)
        case .chain:
            return try chain(first, dot: dot, arguments: command.arguments, final: final)
        case .function(let name, _):
            at(first)
            return try call(name, command: command, dot: dot, final: final)
        case .pipeline(let pipeline):
            try notAFunction(command.arguments, final: final)
            return try evaluate(pipeline, dot: dot)
        case .variable(let name, let fields, _):
            at(first)
            let value = try variable(name)
            if fields.isEmpty {
                try notAFunction(command.arguments, final: final)
                return value
            }
            return try fieldChain(receiver: value, names: fields, arguments: command.arguments, final: final)
        case .dot, .nilValue, .bool, .number, .string:
            at(first)
            try notAFunction(command.arguments, final: final)
            return try literal(first, dot: dot)
        }
    }

    private func notAFunction(_ arguments: [Operand], final: Final) throws {
        if case .value = final { throw error("can't give argument to non-function \(arguments[0])") }
        if arguments.count > 1 { throw error("can't give argument to non-function \(arguments[0])") }
    }

    private func literal(_ operand: Operand, dot: TemplateValue?) throws -> TemplateValue? {
        switch operand {
        case .dot: return dot
        case .nilValue: throw error("nil is not a command")
        case .bool(let value, _): return .bool(value)
        case .number(let value, _, _): return value
        case .string(let value, _, _): return .string(value)
        default: return nil
        }
    }

    private mutating func chain(_ operand: Operand, dot: TemplateValue?, arguments: [Operand], final: Final) throws -> TemplateValue? {
        guard case .chain(let base, let fields, _) = operand else { return nil }
        at(operand)
        if case .nilValue = base { throw error("indirection through explicit nil in \(operand)") }
        let receiver = try argument(base, dot: dot)
        at(operand)
        return try fieldChain(receiver: receiver, names: fields, arguments: arguments, final: final)
    }

    private func fieldChain(
        receiver: TemplateValue?, names: [String], arguments: [Operand], final: Final
    ) throws -> TemplateValue? {
        var receiver = receiver
        for name in names.dropLast() {
            receiver = try field(name, of: receiver, hasArguments: false)
        }
        let hasArguments = arguments.count > 1 || { if case .value = final { true } else { false } }()
        return try field(names[names.count - 1], of: receiver, hasArguments: hasArguments)
    }

    private func field(_ name: String, of receiver: TemplateValue?, hasArguments: Bool) throws -> TemplateValue? {
        guard let receiver else { return nil }
        switch receiver {
        case .object(let fields):
            if let value = fields[name] {
                if hasArguments { throw error("\(name) has arguments but cannot be invoked as function") }
                return value
            }
        case .map(let fields):
            if hasArguments { throw error("\(name) is not a method but has arguments") }
            return fields?[name]
        case .null:
            throw error("nil pointer evaluating interface {}.\(name)")
        default:
            break
        }
        throw error("can't evaluate field \(name) in type \(GoFormatter.typeName(receiver))")
    }

    private mutating func argument(_ operand: Operand, dot: TemplateValue?) throws -> TemplateValue? {
        at(operand)
        switch operand {
        case .dot: return dot
        case .nilValue: return .null
        case .field(let names, _):
            return try fieldChain(receiver: dot, names: names, arguments: [operand], final: .none)
        case .variable(let name, let fields, _):
            let value = try variable(name)
            if fields.isEmpty { return value }
            return try fieldChain(receiver: value, names: fields, arguments: [operand], final: .none)
        case .pipeline(let pipeline):
            return try evaluate(pipeline, dot: dot)
        case .function(let name, _):
            return try call(name, command: Command(position: operand.position, arguments: [operand]), dot: dot, final: .none)
        case .chain:
            return try chain(operand, dot: dot, arguments: [operand], final: .none)
        case .bool, .number, .string:
            return try literal(operand, dot: dot)
        }
    }

    private mutating func call(_ name: String, command: Command, dot: TemplateValue?, final: Final) throws -> TemplateValue? {
        let operands = Array(command.arguments.dropFirst())
        var count = operands.count
        if case .value = final { count += 1 }
        do {
            try TemplateFunctions.checkArity(name, count: count)
        } catch {
            throw self.error(Self.message(error))
        }

        if name == "and" || name == "or" {
            // Short-circuit: stop at the first false (and) or true (or) value and return it.
            var value: TemplateValue?
            for operand in operands {
                value = try argument(operand, dot: dot)
                if (value?.isTrue ?? false) == (name == "or") { return value }
            }
            if case .value(let piped) = final { value = piped }
            return value
        }

        var values: [TemplateValue] = []
        for operand in operands {
            values.append(try argument(operand, dot: dot) ?? .null)
        }
        if case .value(let piped) = final { values.append(piped ?? .null) }
        do {
            return try TemplateFunctions.call(name, values, mode: mode)
        } catch {
            switch error {
            case .argument(let index, let message):
                if index < operands.count { at(operands[index]) }
                throw self.error(message)
            case .arity(let message):
                throw self.error(message)
            case .call(let message):
                at(command)
                throw self.error("error calling \(name): \(message)")
            }
        }
    }

    private static func message(_ failure: TemplateFunctions.Failure) -> String {
        switch failure {
        case .arity(let message), .call(let message), .argument(_, let message): message
        }
    }
}

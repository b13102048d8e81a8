/// A template that does not parse, or fails while it runs. The message is one line and reads
/// like Go's `text/template`: `template: :1: function "foo" not defined`, or
/// `template: :1:2: executing "" at <.Foo>: can't evaluate field Foo in type struct`.
public struct TemplateError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Which step failed.
    public struct Code: Sendable, Equatable, CustomStringConvertible {
        private enum Kind: Sendable, Equatable { case parse, execution, encoding }
        private let kind: Kind

        /// The template text is malformed.
        public static let parse = Code(kind: .parse)
        /// The template parsed but failed against the data.
        public static let execution = Code(kind: .execution)
        /// A value could not be turned into template data.
        public static let encoding = Code(kind: .encoding)

        public var description: String {
            switch kind {
            case .parse: "parse"
            case .execution: "execution"
            case .encoding: "encoding"
            }
        }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

import FoundationEssentials
import Glibc

extension RuntimeSpec {
    /// Programs the runtime runs at points of the container's lifecycle: `hooks`.
    public struct Hooks: Codable, Sendable, Equatable {
        /// Deprecated by the spec in favour of `createRuntime`, still run by runc.
        public var prestart: [Hook]?
        public var createRuntime: [Hook]?
        public var createContainer: [Hook]?
        public var startContainer: [Hook]?
        public var poststart: [Hook]?
        public var poststop: [Hook]?
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(
            prestart: [Hook]? = nil, createRuntime: [Hook]? = nil, createContainer: [Hook]? = nil,
            startContainer: [Hook]? = nil, poststart: [Hook]? = nil, poststop: [Hook]? = nil,
            extra: [String: JSONAny] = [:]
        ) {
            self.prestart = prestart
            self.createRuntime = createRuntime
            self.createContainer = createContainer
            self.startContainer = startContainer
            self.poststart = poststart
            self.poststop = poststop
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case prestart, createRuntime, createContainer, startContainer, poststart, poststop
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            prestart = try c.decodeIfPresent([Hook].self, forKey: .prestart)
            createRuntime = try c.decodeIfPresent([Hook].self, forKey: .createRuntime)
            createContainer = try c.decodeIfPresent([Hook].self, forKey: .createContainer)
            startContainer = try c.decodeIfPresent([Hook].self, forKey: .startContainer)
            poststart = try c.decodeIfPresent([Hook].self, forKey: .poststart)
            poststop = try c.decodeIfPresent([Hook].self, forKey: .poststop)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(prestart, forKey: .prestart)
            try c.encodeIfPresent(createRuntime, forKey: .createRuntime)
            try c.encodeIfPresent(createContainer, forKey: .createContainer)
            try c.encodeIfPresent(startContainer, forKey: .startContainer)
            try c.encodeIfPresent(poststart, forKey: .poststart)
            try c.encodeIfPresent(poststop, forKey: .poststop)
        }
    }

    /// One hook program; it gets the container's state JSON on stdin.
    public struct Hook: Codable, Sendable, Equatable {
        /// The program, an absolute path.
        public var path: String
        /// Its argv, `argv[0]` included.
        public var args: [String]?
        /// `KEY=value` entries.
        public var env: [String]?
        /// Seconds before the hook is killed.
        public var timeout: Int?
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(
            path: String, args: [String]? = nil, env: [String]? = nil, timeout: Int? = nil,
            extra: [String: JSONAny] = [:]
        ) {
            self.path = path
            self.args = args
            self.env = env
            self.timeout = timeout
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case path, args, env, timeout
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            path = try c.decode(String.self, forKey: .path)
            args = try c.decodeIfPresent([String].self, forKey: .args)
            env = try c.decodeIfPresent([String].self, forKey: .env)
            timeout = try c.decodeIfPresent(Int.self, forKey: .timeout)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(path, forKey: .path)
            try c.encodeIfPresent(args, forKey: .args)
            try c.encodeIfPresent(env, forKey: .env)
            try c.encodeIfPresent(timeout, forKey: .timeout)
        }
    }
}

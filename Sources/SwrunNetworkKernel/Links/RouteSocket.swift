import CNetlink
import Glibc
import SwrunOS

/// A NETLINK_ROUTE socket (libnl-route-3) bound to one network namespace: links,
/// addresses and routes of that namespace. A netlink socket stays in the namespace it
/// was opened in, so after `init` any thread may use it, one at a time.
///
/// Every request is one round trip and waits for the kernel's answer. A failure reads
/// as one line naming the step and the link, then the kernel's words: its errno, and
/// the extended ack message when it gives one ("add default route via 10.1.0.1:
/// Network is unreachable (Nexthop has invalid gateway)").
public final class RouteSocket {
    let socket: OpaquePointer
    /// What the kernel answered to the last failed request (set by the error callback).
    private let lastError = KernelError()

    /// A NETLINK_ROUTE socket in the namespace pinned at `namespace` (nil: the caller's own).
    /// Opened inside the namespace (NetworkNamespace.perform), then usable from any thread.
    public init(namespace: String?) throws {
        let place = namespace.map { " in \($0)" } ?? ""
        if let namespace {
            socket = try NetworkNamespace.perform(in: namespace) { try Self.connect(place) }
        } else {
            socket = try Self.connect(place)
        }
        nl_socket_modify_err_cb(socket, NL_CB_CUSTOM, recordKernelError, Unmanaged.passUnretained(lastError).toOpaque())
        // The kernel's own words for a failure (extended ack), and acks without the echoed
        // request. Both are extras: without them a failure still reads as its errno.
        var on: Int32 = 1
        let fd = nl_socket_get_fd(socket)
        setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { nl_socket_free(socket) }

    /// A connected socket in the calling thread's namespace.
    private static func connect(_ place: String) throws -> OpaquePointer {
        guard let socket = nl_socket_alloc() else {
            throw SwrunError(.system, "open a netlink socket\(place): out of memory")
        }
        let rc = nl_connect(socket, NETLINK_ROUTE)
        guard rc == 0 else {
            nl_socket_free(socket)
            throw SwrunError(.system, "open a netlink socket\(place): \(String(cString: nl_geterror(rc)))")
        }
        return socket
    }

    public func linkExists(_ name: String) throws -> Bool {
        guard let link = try link(named: name, step: "look up link \(name)") else { return false }
        rtnl_link_put(link)
        return true
    }

    public func setUp(_ link: String) throws {
        try changeLink(link, step: "set \(link) up") { rtnl_link_set_flags($0, UInt32(IFF_UP)) }
    }

    /// Deletes a link; a missing one is not an error. Deleting one end of a veth pair
    /// deletes both.
    public func deleteLink(_ name: String) throws {
        let link = try allocate(rtnl_link_alloc(), "delete link \(name)")
        defer { rtnl_link_put(link) }
        rtnl_link_set_name(link, name)
        do {
            try request("delete link \(name)") { rtnl_link_delete(socket, link) }
        } catch let error as SwrunError where error.errno == ENODEV {
            return
        }
    }

    /// The link's hardware address, "02:42:ac:11:00:02".
    public func macAddress(of link: String) throws -> String {
        let step = "read the MAC address of \(link)"
        let object = try existingLink(named: link, step: step)
        defer { rtnl_link_put(object) }
        guard let address = rtnl_link_get_addr(object) else {
            throw SwrunError(.notFound, "\(step): the link has no hardware address")
        }
        return Self.macString(address)
    }

    /// The names of every link in the namespace, in index order.
    public func linkNames() throws -> [String] {
        var cache: OpaquePointer?
        try request("list links") { rtnl_link_alloc_cache(socket, AF_UNSPEC, &cache) }
        defer { nl_cache_free(cache) }
        var names: [String] = []
        var object = nl_cache_get_first(cache)
        while let link = object {
            if let name = rtnl_link_get_name(link) { names.append(String(cString: name)) }
            object = nl_cache_get_next(link)
        }
        return names
    }
}

// MARK: - Requests and errors

extension RouteSocket {
    /// Runs one libnl call that talks to the kernel and throws its failure as `step`'s.
    func request(_ step: @autoclosure () -> String, _ call: () -> Int32) throws {
        lastError.errno = 0
        lastError.message = nil
        let rc = call()
        guard rc < 0 else { return }
        throw failure(rc, step())
    }

    /// The error for libnl's return code `rc`, in the kernel's words when it answered.
    func failure(_ rc: Int32, _ step: String) -> SwrunError {
        let err = lastError.errno
        guard err > 0 else {
            return SwrunError(.system, "\(step): \(String(cString: nl_geterror(rc)))")
        }
        let code: SwrunError.Code = switch err {
        case EEXIST: .alreadyExists
        case ENODEV: .notFound
        default: .system
        }
        let detail = lastError.message.map { " (\($0))" } ?? ""
        return SwrunError(code, "\(step): \(String(cString: strerror(err)))\(detail)", errno: err)
    }

    /// A freshly allocated libnl object, or an error for `step` when memory ran out.
    func allocate(_ object: OpaquePointer?, _ step: @autoclosure () -> String) throws -> OpaquePointer {
        guard let object else { throw SwrunError(.system, "\(step()): out of memory") }
        return object
    }

    /// The link named `name` as the kernel has it (a reference the caller puts), nil if
    /// there is none. libnl reads this answer with an error callback of its own, so the
    /// failure is in libnl's words.
    func link(named name: String, step: @autoclosure () -> String) throws -> OpaquePointer? {
        var link: OpaquePointer?
        lastError.errno = 0
        let rc = rtnl_link_get_kernel(socket, 0, name, &link)
        if rc == -NLE_NODEV { return nil }
        guard rc >= 0 else { throw failure(rc, step()) }
        return link
    }

    /// The link named `name` (a reference the caller puts); a missing one is an error of `step`.
    func existingLink(named name: String, step: @autoclosure () -> String) throws -> OpaquePointer {
        guard let link = try link(named: name, step: step()) else {
            throw SwrunError(.notFound, "\(step()): \(String(cString: strerror(ENODEV)))", errno: ENODEV)
        }
        return link
    }

    func index(ofLink name: String, step: @autoclosure () -> String) throws -> Int32 {
        let link = try existingLink(named: name, step: step())
        defer { rtnl_link_put(link) }
        return rtnl_link_get_ifindex(link)
    }

    /// Changes the link named `name` as `configure` sets on a blank link object (only
    /// what it sets is sent); the kernel finds the link by name.
    func changeLink(_ name: String, step: @autoclosure () -> String, _ configure: (OpaquePointer) -> Void) throws {
        let change = try allocate(rtnl_link_alloc(), step())
        defer { rtnl_link_put(change) }
        rtnl_link_set_name(change, name)
        configure(change)
        try request(step()) { rtnl_link_change(socket, change, change, 0) }
    }

    /// "aa:bb:cc:dd:ee:ff" for a hardware address.
    static func macString(_ address: OpaquePointer) -> String {
        let bytes = UnsafeRawBufferPointer(start: nl_addr_get_binary_addr(address), count: Int(nl_addr_get_len(address)))
        return bytes.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined(separator: ":")
    }
}

/// The kernel's answer to the last failed request: its errno and, with extended acks,
/// its message.
final class KernelError {
    var errno: Int32 = 0
    var message: String?
}

/// libnl's error callback: keeps the kernel's errno and message for `RouteSocket.failure`,
/// then lets libnl fail the request as it would have.
private let recordKernelError: nl_recvmsg_err_cb_t = { _, error, context in
    if let error, let context {
        let record = Unmanaged<KernelError>.fromOpaque(context).takeUnretainedValue()
        record.errno = -error.pointee.error
        record.message = extendedAckMessage(error)
    }
    return Int32(NL_STOP.rawValue)
}

/// The NLMSGERR_ATTR_MSG text of an error message with extended ack attributes. The
/// `nlmsgerr` sits right after its message header in libnl's receive buffer; with
/// NETLINK_CAP_ACK the request is not echoed, so the attributes follow the `nlmsgerr`.
private func extendedAckMessage(_ error: UnsafeMutablePointer<nlmsgerr>) -> String? {
    let headerSize = MemoryLayout<nlmsghdr>.size
    let message = UnsafeRawPointer(error) - headerSize
    let header = message.loadUnaligned(as: nlmsghdr.self)
    guard header.nlmsg_flags & UInt16(NLM_F_ACK_TLVS) != 0 else { return nil }
    var offset = headerSize + MemoryLayout<nlmsgerr>.size
    if header.nlmsg_flags & UInt16(NLM_F_CAPPED) == 0 {
        offset += (Int(error.pointee.msg.nlmsg_len) - headerSize + 3) & ~3
    }
    let end = Int(header.nlmsg_len)
    while offset + 4 <= end {
        let length = Int(message.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        let type = message.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self) & ~UInt16(NLA_F_NESTED | NLA_F_NET_BYTEORDER)
        guard length >= 4, offset + length <= end else { return nil }
        if type == UInt16(NLMSGERR_ATTR_MSG.rawValue) {
            let text = UnsafeRawBufferPointer(start: message + offset + 4, count: length - 4).prefix { $0 != 0 }
            return String(decoding: text, as: UTF8.self)
        }
        offset += (length + 3) & ~3
    }
    return nil
}

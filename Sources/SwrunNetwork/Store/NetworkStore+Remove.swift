import SwrunOS

extension NetworkStore {
    /// Removes the network `nameOrID`. The predefined ones and one with an address in
    /// use are refused in docker's words. The directory leaves the store in one rename
    /// while both the store's and the network's locks are held, so no allocation can
    /// slip in between the check and the removal.
    public func remove(_ nameOrID: String) throws {
        let network = try lookup(nameOrID)
        if network.isPredefined {
            throw SwrunError(.conflict, "\(network.name) is a pre-defined network and cannot be removed")
        }
        try withStoreLock {
            try withLock(network) {
                guard try allocations(in: network).isEmpty else {
                    throw SwrunError(.conflict, "error while removing network: network \(network.name) id \(network.id) has active endpoints")
                }
                guard let detached = try FileIO.detachTree(path(of: network.id)) else {
                    throw SwrunError(.notFound, "network \(nameOrID) not found")
                }
                try FileIO.syncDirectory(directory)
                try? FileIO.removeTree(detached)
            }
        }
    }
}

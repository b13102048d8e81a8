import FoundationEssentials
import Glibc
import SwrunOS

extension ContainerStore {
    /// Gives the container `reference` names a new, unique name (`docker rename`),
    /// holding the store lock so two renames or a create cannot take the same name.
    @discardableResult
    public func rename(_ reference: String, to newName: String) throws -> ContainerState {
        guard !reference.isEmpty, !newName.isEmpty else {
            throw SwrunError(.invalidArgument, "Neither old nor new names may be empty")
        }
        let name = try ContainerRuntime.validateName(newName)
        return try withLock {
            try indexNamesIfNeeded()
            var state = try lookup(reference)
            guard state.name != name else {
                throw SwrunError(.invalidArgument, "Renaming a container with the same name as its current name")
            }
            if let holder = holder(of: name) {
                throw SwrunError(.alreadyExists, "Error when allocating new name: Conflict. The container name \"/\(name)\" is already in use by container \"\(holder.id)\". You have to remove (or rename) that container to be able to reuse that name.")
            }
            let oldName = state.name
            state.name = name
            try save(state)
            try link(name, to: state.id)
            unlink(oldName, from: state.id)
            try? writeEventAttributes(state)
            recordEvent("rename", of: state, extra: ["oldName": "/" + oldName])
            return state
        }
    }
}

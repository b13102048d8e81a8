import SwrunOS

extension ContainerStore {
    /// Records the container's event `action` (docker's `name` and `image` attributes,
    /// and `extra`) in the store's event log. Never fails the operation it records.
    func recordEvent(_ action: String, of state: ContainerState, extra: [String: String] = [:]) {
        EventLog(root: root).record(RecordedEvent(
            type: "container", action: action, actorID: state.id,
            attributes: ContainerStore.eventAttributes(state).merging(extra) { $1 }))
    }

    /// Keeps the attributes the monitor's events carry in the container's directory
    /// (`ContainerEvents`): written at create and on rename.
    func writeEventAttributes(_ state: ContainerState) throws {
        try ContainerEvents(containerDirectory: path(of: state.id)).writeAttributes(Self.eventAttributes(state))
    }

    static func eventAttributes(_ state: ContainerState) -> [String: String] {
        ["name": state.name, "image": state.image]
    }
}

import SwrunOS

extension ContainerStore {
    /// Records the container's event `action` (docker's attributes: its labels, `name`
    /// and `image`, and `extra`) in the store's event log. Never fails the operation it records.
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

    /// docker's attributes of a container event: the container's labels (the
    /// image's with `--label`s over them), then `image` and `name` over those.
    static func eventAttributes(_ state: ContainerState) -> [String: String] {
        (state.labels ?? [:]).merging(["name": state.name, "image": state.image]) { $1 }
    }
}

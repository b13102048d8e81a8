import SwrunOCI
import SwrunOS

extension ImageStore {
    /// Records image event `action` of `id` (an image ID, or a reference for pull and
    /// push) with docker's `name` attribute. Never fails the operation it records.
    func recordImageEvent(_ action: String, id: String, name: String) {
        EventLog(root: root).record(RecordedEvent(type: "image", action: action, actorID: id, attributes: ["name": name]))
    }

    /// docker's events for an image's removal: `untag` per tag taken off, `delete` when
    /// the image went; both name the image by its ID.
    func recordRemoval(_ removal: ImageRemoval, of id: Digest) {
        let events = removal.untagged.map { _ in RecordedEvent(type: "image", action: "untag", actorID: id.string, attributes: ["name": id.string]) }
            + (removal.deleted.contains(id) ? [RecordedEvent(type: "image", action: "delete", actorID: id.string, attributes: ["name": id.string])] : [])
        try? EventLog(root: root).append(events)
    }
}

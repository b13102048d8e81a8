import SwrunOCI
import SwrunOS

extension ImageStore {
    /// Points the tag `name` (normalised; `busybox` is `busybox:latest`) at `image`,
    /// moving it off any other image. An image left without tags stays in the store
    /// as an untagged entry.
    public func tag(_ image: StoredImage, as name: String) throws {
        let reference = try Self.tagReference(name)
        try tagIndex.update { index in
            TagIndex.setTag(reference.fullName, to: image.manifestDescriptor, in: &index)
        }
        recordImageEvent("tag", id: image.id.string, name: reference.familiarName)
    }

    /// `name` parsed as a tag to write: a digest cannot be one.
    static func tagReference(_ name: String) throws -> Reference {
        let reference = try Reference(parsing: name)
        guard reference.digest == nil else {
            throw SwrunError(.invalidArgument, "refusing to create a tag with a digest reference: \(name)")
        }
        return reference
    }
}

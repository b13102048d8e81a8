import SwrunOCI

/// What a pull or push reports as it goes, for the CLI's progress display.
public enum TransferEvent: Sendable {
    /// A layer the store (pull) or the registry (push) has already.
    case layerExists(Digest)
    /// A layer transfer started; `size` bytes to move.
    case layerStarted(Digest, size: Int64)
    /// Bytes of a layer moved so far.
    case layerProgress(Digest, bytes: Int64, size: Int64)
    /// A pulled layer is downloaded and being checked and unpacked.
    case layerExtracting(Digest)
    /// A layer is done: pulled (verified and unpacked) or pushed.
    case layerDone(Digest)
    /// A pushed layer the registry mounted from another repository.
    case layerMounted(Digest, from: String)
}

import FoundationEssentials
import SwrunOS

extension ContainerRuntime {
    /// `--cidfile`: the new container's ID, written as docker does (no newline); a
    /// failure removes the container again.
    func writeCIDFile(_ path: String?, id: String) throws {
        guard let path else { return }
        do {
            try FileIO.writeFile(path, id)
        } catch {
            try? containers.remove(id)
            throw SwrunError(.invalidArgument, "failed to create the container ID file: \(error)")
        }
    }
}

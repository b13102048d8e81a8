import Foundation
import Glibc
import Testing
@testable import SwrunLayer
import SwrunOS

@Test(.enabled(if: ProcessInfo.processInfo.environment["LAYER_TAR"] != nil))
func layerScratch() throws {
    let env = ProcessInfo.processInfo.environment
    let fd = open(env["LAYER_TAR"]!, O_RDONLY)
    let start = Date()
    do {
        let d = try LayerExtractor.extract(inputFD: fd, destination: env["LAYER_DEST"]!)
        print("SCRATCH", d, Date().timeIntervalSince(start))
    } catch {
        print("SCRATCH ERROR", error)
    }
}

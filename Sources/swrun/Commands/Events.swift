import ArgumentParser
import Foundation
import SwrunOS

struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Get real time events from the store.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Show all events created since timestamp.")
    var since: String?
    @Option(name: .long, help: "Stream events until this timestamp.")
    var until: String?
    @Option(name: [.customShort("f"), .long], help: "Filter output based on conditions provided (type, event, container, image, label).")
    var filter: [String] = []
    @Option(name: .long, help: "Format output using a Go template ('json' for JSON lines).")
    var format: String?

    mutating func run() throws {
        let now = Date()
        let sinceNanos = try since.map { try TimeBound.parse($0, flag: "--since", now: now) }
        let untilNanos = try until.map { try TimeBound.parse($0, flag: "--until", now: now) }
        let filter = try EventsFilter(self.filter)
        let render = try EventsFormat.renderer(format)
        let follower = try EventsFollower(log: EventLog(root: global.storeRoot))
        // docker: history only when asked for a time range; without --until it follows.
        var batch = try follower.start(history: sinceNanos != nil || untilNanos != nil)
        while true {
            var text = ""
            for event in batch where filter.includes(event) {
                if let sinceNanos, event.timeNanos < sinceNanos { continue }
                if let untilNanos, event.timeNanos > untilNanos { continue }
                text += try render(event) + "\n"
            }
            if !text.isEmpty { FileHandle.standardOutput.write(Data(text.utf8)) }
            if let untilNanos, untilNanos <= ExitRecord.nowNanos() { return }
            guard let next = try follower.next(deadline: untilNanos) else { return }
            batch = next
        }
    }
}

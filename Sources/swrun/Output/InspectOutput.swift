import ArgumentParser
import Foundation
import GoTemplate

/// What every `inspect` prints: each document through the `-f` template, or all of
/// them as one indented JSON array; then one line per name not found, exit 1 if any.
enum InspectOutput {
    static func emit(_ documents: [TemplateValue], template: GoTemplate?, missing: [String]) throws {
        if let template {
            for document in documents {
                print(try TemplateFailure.inspectRender.mapping { try template.render(document) })
            }
        } else {
            print(TemplateValue.array(documents).jsonString(indent: "    "))
        }
        for message in missing { FileHandle.standardError.write(Data("swrun: \(message)\n".utf8)) }
        if !missing.isEmpty { throw ExitCode(1) }
    }
}

/// Go's text/tabwriter (as docker's CLI configures it: space padding, no flags) over a whole text:
/// tab-terminated cells in consecutive lines form a column, padded to its widest cell plus
/// `padding` and at least `minWidth`. The text after a line's last tab is not part of a column.
enum TabWriter {
    private struct Cell {
        let text: String
        let width: Int
    }

    static func format(_ text: String, minWidth: Int, padding: Int) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.split(separator: "\t", omittingEmptySubsequences: false).map {
                Cell(text: String($0), width: $0.unicodeScalars.count)
            }
        }
        var writer = Layout(lines: lines, minWidth: minWidth, padding: padding)
        writer.format(from: 0, to: lines.count)
        return writer.output
    }

    private struct Layout {
        let lines: [[Cell]]
        let minWidth: Int
        let padding: Int
        var widths: [Int] = []
        var output = ""

        init(lines: [[Cell]], minWidth: Int, padding: Int) {
            self.lines = lines
            self.minWidth = minWidth
            self.padding = padding
        }

        /// Lays out the column after the ones whose widths are known, block by block of lines
        /// that have a cell in it, then writes the lines.
        mutating func format(from start: Int, to end: Int) {
            var first = start
            let column = widths.count
            var line = start
            while line < end {
                if column >= lines[line].count - 1 {
                    line += 1
                    continue
                }
                write(from: first, to: line)
                first = line
                var width = minWidth
                while line < end, column < lines[line].count - 1 {
                    width = max(width, lines[line][column].width + padding)
                    line += 1
                }
                widths.append(width)
                format(from: first, to: line)
                widths.removeLast()
                first = line
            }
            write(from: first, to: end)
        }

        private mutating func write(from start: Int, to end: Int) {
            guard start < end else { return }
            for index in start..<end {
                for (column, cell) in lines[index].enumerated() {
                    output += cell.text
                    if column < widths.count {
                        output += String(repeating: " ", count: max(0, widths[column] - cell.width))
                    }
                }
                if index + 1 < lines.count { output += "\n" }
            }
        }
    }
}

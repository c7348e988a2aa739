/// Writes ``CSVReportRow``s as CSV (RFC 4180) to a file replaced atomically.
///
/// The header row (``CSVReportRow/header``) comes first; every record, the last one included,
/// ends in CR LF. A field containing a comma, a double quote, a CR or an LF is enclosed in
/// double quotes, and its double quotes are doubled; other fields are written as they are.
/// Text is UTF-8 without a byte-order mark.
public enum CSVReportWriter {
    /// The whole file: the header row, then one record per row.
    ///
    /// - Parameter rows: the rows, in the order to write them.
    /// - Returns: the text.
    /// - Complexity: O(total length of the fields).
    public static func render(_ rows: [CSVReportRow]) -> String {
        var text = record(CSVReportRow.header)
        for row in rows { text += record(row.fields) }
        return text
    }

    /// One record: the fields, each quoted where needed, joined by commas, ending in CR LF.
    ///
    /// - Parameter fields: the fields.
    /// - Returns: the record's text.
    public static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    /// A field as RFC 4180 writes it: enclosed in double quotes, with its double quotes doubled,
    /// when it contains a comma, a double quote, a CR or an LF; else as it is.
    ///
    /// - Parameter text: the field's value.
    /// - Returns: its text in a record.
    public static func field(_ text: String) -> String {
        // Bytes, not Characters: "\r\n" is one Character, which a search for "\r" would not find.
        let special = text.utf8.contains { byte in
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == 0x0D || byte == 0x0A
        }
        guard special else { return text }
        var quoted = "\""
        for scalar in text.unicodeScalars {
            if scalar == "\"" { quoted += "\"" }
            quoted.unicodeScalars.append(scalar)
        }
        return quoted + "\""
    }

    /// Renders `rows` and writes them to `path` atomically (``OutputFile/write(_:to:)``).
    ///
    /// - Parameters:
    ///   - rows: the rows.
    ///   - path: the file.
    /// - Throws: what ``OutputFile/write(_:to:)`` throws; the file is then left as it was.
    public static func write(_ rows: [CSVReportRow], to path: String) async throws(SweepError) {
        try await OutputFile.write(render(rows), to: path)
    }
}

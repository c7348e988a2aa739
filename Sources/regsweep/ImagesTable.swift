import DockerImageStore
import Foundation
import RegistrySweep

/// Text output of `regsweep images`: the `docker images` table plus a KIND column, the dangling
/// images' exclusive ancestors and bytes, and the prune report.
enum ImagesTable {
    /// The listing as `docker images` prints it (one row per tag), then the dangling images' details.
    static func render(_ listing: ImageListing, now: Double) -> String {
        var rows: [[String]] = [["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "KIND"]]
        for image in listing.images {
            let created = image.createdSeconds.map { humanDuration(now - $0) + " ago" } ?? "N/A"
            let tail = [shortID(image.id), created, humanSize(image.size), image.kind.rawValue]
            for (repository, tag) in names(image) { rows.append([repository, tag] + tail) }
        }
        var lines = columns(rows)

        let danglingImages = listing.images.filter { $0.kind == .dangling }
        if !danglingImages.isEmpty {
            lines.append("")
            lines.append("Dangling images and the untagged ancestors `docker rmi` removes with each:")
            var detail: [[String]] = [["IMAGE ID", "FREES", "EXCLUSIVE UNTAGGED ANCESTORS"]]
            for image in danglingImages {
                let ancestors = image.exclusiveAncestors ?? []
                detail.append([
                    shortID(image.id), humanSize(image.bytesFreed ?? 0),
                    ancestors.isEmpty ? "-" : ancestors.map(shortID).joined(separator: " "),
                ])
            }
            lines += columns(detail).map { "  " + $0 }
        }
        let total = listing.dangling
        lines.append("")
        lines.append(
            "Pruning all \(total.images) dangling images removes \(total.images + total.ancestors) images"
                + " and frees \(ByteCount.format(total.bytesFreed)).")
        return lines.joined(separator: "\n")
    }

    /// The prune plan, and what was done unless it was a dry run.
    static func render(_ report: ImagePruneReport) -> String {
        var lines: [String] = []
        let source = report.bytesSource == .layerdb ? "layer sizes from the data root" : "image sizes from the API"
        lines.append(
            "\(report.steps.count) dangling images at \(report.host); with their exclusive untagged ancestors "
                + "\(report.images) images, \(ByteCount.format(report.bytesFreed)) (\(source)).")
        for step in report.steps {
            lines.append("  \(step.id)  frees \(humanSize(step.bytesFreed))")
            for ancestor in step.exclusiveAncestors { lines.append("    + \(ancestor)") }
        }
        for id in report.onlyInEngine {
            lines.append("  left alone: \(id) is dangling for the engine, not in DATA_ROOT")
        }
        for id in report.onlyOnDisk { lines.append("  left alone: \(id) is dangling in DATA_ROOT, not for the engine") }
        guard let result = report.result else {
            lines.append("Dry run: nothing was removed.")
            return lines.joined(separator: "\n")
        }
        lines.append(
            "Removed \(result.removedImages.count) images and \(result.deletedLayers.count) layers through the API, "
                + "freeing \(ByteCount.format(result.bytesFreed)).")
        for refusal in result.refused { lines.append("  not removed: \(refusal.id): \(refusal.reason)") }
        return lines.joined(separator: "\n")
    }

    /// (REPOSITORY, TAG) rows for an image: one per tag; a digest-only repository shows TAG `<none>`.
    static func names(_ image: ImageListing.Image) -> [(String, String)] {
        var result: [(String, String)] = []
        for tag in image.tags {
            let reference = EngineImageReference(reference: tag, image: Digest(w0: 0, w1: 0, w2: 0, w3: 0))
            result.append((reference.repository, reference.tag ?? "<none>"))
        }
        if result.isEmpty {
            var seen: Set<String> = []
            for digest in image.digests {
                let repository = String(digest.prefix { $0 != "@" })
                if seen.insert(repository).inserted { result.append((repository, "<none>")) }
            }
        }
        return result.isEmpty ? [("<none>", "<none>")] : result
    }

    /// The first 12 hex digits of an ID, as `docker images` shows it.
    static func shortID(_ id: String) -> String {
        String((id.hasPrefix("sha256:") ? id.dropFirst(7) : Substring(id)).prefix(12))
    }

    /// Left-aligned columns separated by three spaces, as `docker images` prints them.
    static func columns(_ rows: [[String]]) -> [String] {
        guard let width = rows.first?.count else { return [] }
        var widths = [Int](repeating: 0, count: width)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        return rows.map { row in
            var line = ""
            for (index, cell) in row.enumerated() {
                line +=
                    index == row.count - 1
                    ? cell : cell.padding(toLength: widths[index] + 3, withPad: " ", startingAt: 0)
            }
            return line
        }
    }

    /// A size the way `docker images` prints it (go-units `HumanSizeWithPrecision(size, 3)`): `72.8MB`, `0B`.
    static func humanSize(_ bytes: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return String(format: "%.3g", value) + units[unit]
    }

    /// A duration the way `docker images` prints CREATED (go-units `HumanDuration`): `About an hour`, `3 days`.
    static func humanDuration(_ seconds: Double) -> String {
        let whole = Int(max(0, seconds))
        let minutes = whole / 60
        let hours = Int((max(0, seconds) / 3600).rounded())
        switch whole {
        case ..<1: return "Less than a second"
        case 1: return "1 second"
        case ..<60: return "\(whole) seconds"
        default: break
        }
        if minutes == 1 { return "About a minute" }
        if minutes < 60 { return "\(minutes) minutes" }
        if hours == 1 { return "About an hour" }
        if hours < 48 { return "\(hours) hours" }
        if hours < 24 * 7 * 2 { return "\(hours / 24) days" }
        if hours < 24 * 30 * 2 { return "\(hours / 24 / 7) weeks" }
        if hours < 24 * 365 * 2 { return "\(hours / 24 / 30) months" }
        return "\(Int(max(0, seconds) / 3600) / 24 / 365) years"
    }
}

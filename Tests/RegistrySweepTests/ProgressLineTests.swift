import RegistrySweep
import Testing

/// The progress line's text: phase words, counts, percentages, bytes, rates, ETA, width.
struct ProgressTextTests {
    /// Every phase.
    static let phases: [ProgressEvent.Phase] = [
        .listBlobs, .listRepositories, .readManifests, .statBlobs, .mark, .plan, .revalidate, .removeTags,
        .removeManifests, .removeLinks, .removeBlobs, .removeUploads, .removeRepositories, .verify,
    ]

    @Test func everyPhaseHasItsOwnWords() {
        let phases = Self.phases
        let words = phases.map(ProgressText.words)
        #expect(Set(words).count == phases.count)
        #expect(words.allSatisfy { !$0.isEmpty && $0 == $0.lowercased() && $0.utf8.allSatisfy { $0 < 0x80 } })
        #expect(ProgressText.words(.readManifests) == "reading manifests")
        #expect(ProgressText.words(.removeBlobs) == "removing blobs")
        #expect(ProgressText.words(.verify) == "hashing blobs")
    }

    @Test func lineWithTotalRateAndETA() {
        let event = ProgressEvent(phase: .readManifests, done: 412_331, total: 1_000_000)
        #expect(
            ProgressText.line(event, rate: 88_102, eta: 6.67)
                == "reading manifests  412,331/1,000,000  41%  88,102/s  ETA 7s")
        #expect(ProgressText.line(event) == "reading manifests  412,331/1,000,000  41%")
    }

    @Test func lineWithBytesShowsBytesPerSecond() {
        let event = ProgressEvent(phase: .verify, done: 41_200, total: 100_000, bytes: 2_100_000_000)
        #expect(
            ProgressText.line(event, rate: 310_400_000, eta: 75)
                == "hashing blobs  41,200/100,000  41%  2.1 GB  310 MB/s  ETA 1m15s")
    }

    @Test func lineWithoutTotalOrCounts() {
        #expect(
            ProgressText.line(.init(phase: .listRepositories, done: 2_112), rate: 1_020.4)
                == "listing repositories  2,112  1,020/s")
        // Phases that report only their start (done 0 of 1) show their words alone.
        #expect(ProgressText.line(.init(phase: .mark, done: 0, total: 1)) == "marking live content")
        #expect(ProgressText.line(.init(phase: .removeRepositories, done: 0, total: 0)) == "removing repositories")
        #expect(ProgressText.line(.init(phase: .removeTags, done: 3, total: 0)) == "removing tags  3/0")
        // A rate that is not positive, or a negative ETA, is left out.
        #expect(
            ProgressText.line(.init(phase: .removeLinks, done: 5, total: 10), rate: 0, eta: -1)
                == "removing links  5/10  50%")
    }

    @Test func percentRoundsDownAndStaysInRange() {
        #expect(ProgressText.percent(999, of: 1000) == 99)
        #expect(ProgressText.percent(1000, of: 1000) == 100)
        #expect(ProgressText.percent(0, of: 7) == 0)
        #expect(ProgressText.percent(12, of: 10) == 100)
        #expect(ProgressText.percent(5, of: 0) == 0)
    }

    @Test func numbersAndUnits() {
        #expect(ProgressText.grouped(0) == "0")
        #expect(ProgressText.grouped(999) == "999")
        #expect(ProgressText.grouped(1000) == "1,000")
        #expect(ProgressText.grouped(1_234_567) == "1,234,567")
        #expect(ProgressText.grouped(-1234) == "-1,234")
        #expect(ProgressText.count(2.54) == "2.5")
        #expect(ProgressText.count(9.96) == "10")
        #expect(ProgressText.count(12_345.6) == "12,346")
        #expect(ProgressText.bytes(0) == "0 B")
        #expect(ProgressText.bytes(512) == "512 B")
        #expect(ProgressText.bytes(1_234) == "1.2 kB")
        #expect(ProgressText.bytes(999_960) == "1.0 MB")
        #expect(ProgressText.bytes(12_345_678) == "12.3 MB")
        #expect(ProgressText.bytes(310_000_000_000) == "310 GB")
        #expect(ProgressText.duration(0) == "0s")
        #expect(ProgressText.duration(0.2) == "1s")
        #expect(ProgressText.duration(7) == "7s")
        #expect(ProgressText.duration(59.5) == "1m00s")
        #expect(ProgressText.duration(65) == "1m05s")
        #expect(ProgressText.duration(7_380) == "2h03m")
        #expect(ProgressText.duration(.infinity) == "277777h46m")
    }

    @Test func truncatedToOneColumnLessThanTheTerminal() {
        let line = ProgressText.line(
            .init(phase: .verify, done: 41_200, total: 100_000, bytes: 2_100_000_000), rate: 310_400_000, eta: 75)
        #expect(ProgressText.truncated(line, toColumns: 80) == line)
        #expect(ProgressText.truncated(line, toColumns: 30) == "hashing blobs  41,200/100,000")
        #expect(ProgressText.truncated(line, toColumns: 30).count == 29)
        #expect(ProgressText.truncated(line, toColumns: line.count) == String(line.dropLast()))
        #expect(ProgressText.truncated(line, toColumns: 1).isEmpty)
        #expect(ProgressText.truncated(line, toColumns: 0).isEmpty)
    }
}

/// When the line redraws: at most once per interval of the injected clock, the newest event
/// never more than one interval late, rate and ETA per phase.
struct ProgressMeterTests {
    /// Feeds `events` (time, event) to `meter`, running each flush when it is due as a timer
    /// would; returns the draws with their times.
    private func drive(_ meter: inout ProgressMeter, _ events: [(Double, ProgressEvent)]) -> [(
        time: Double, text: String
    )] {
        var draws: [(time: Double, text: String)] = []
        var flushAt: Double?
        func handle(_ decision: ProgressMeter.Decision, _ now: Double) {
            switch decision {
            case .draw(let text): draws.append((now, text))
            case .flush(let at): flushAt = at
            case .wait: break
            }
        }
        for (time, event) in events {
            while let due = flushAt, due <= time {
                flushAt = nil
                handle(meter.flush(now: due), due)
            }
            handle(meter.receive(event, now: time), time)
        }
        while let due = flushAt {
            flushAt = nil
            handle(meter.flush(now: due), due)
        }
        return draws
    }

    @Test func firstEventDrawsAtOnceAndLaterOnesWaitForTheInterval() {
        var meter = ProgressMeter(interval: 0.1)
        #expect(
            meter.receive(.init(phase: .listBlobs, done: 1, total: 256), now: 10)
                == .draw("listing blob shards  1/256  0%"))
        #expect(meter.receive(.init(phase: .listBlobs, done: 2, total: 256), now: 10.03) == .flush(at: 10.1))
        #expect(meter.receive(.init(phase: .listBlobs, done: 3, total: 256), now: 10.06) == .wait)
        // A timer that fires early is told to come back.
        #expect(meter.flush(now: 10.09) == .flush(at: 10.1))
        // The flush draws the newest event.
        #expect(meter.flush(now: 10.1) == .draw("listing blob shards  3/256  1%"))
        #expect(meter.flush(now: 10.3) == .wait)
        #expect(
            meter.receive(.init(phase: .listBlobs, done: 4, total: 256), now: 10.35)
                == .draw("listing blob shards  4/256  1%"))
    }

    @Test func atMostTenDrawsASecondAndTheLastStateAlwaysShows() {
        var meter = ProgressMeter(interval: 0.1)
        // 3,000 events in 1.5 s; phases change every 500 events, the last change 1 ms before the end.
        let phases: [ProgressEvent.Phase] = [.listBlobs, .listRepositories, .readManifests, .statBlobs, .mark, .plan]
        var events: [(Double, ProgressEvent)] = []
        for index in 0..<3000 {
            events.append(
                (Double(index) * 0.0005, ProgressEvent(phase: phases[index / 500], done: index % 500, total: 500)))
        }
        events.append((1.5, ProgressEvent(phase: .removeBlobs, done: 0, total: 9)))
        let draws = drive(&meter, events)
        #expect(draws.count <= 17 && draws.count >= 15, "\(draws.count) draws")
        for (earlier, later) in zip(draws, draws.dropFirst()) {
            #expect(later.time - earlier.time >= 0.1 - 1e-9, "\(earlier.time) then \(later.time)")
        }
        // Every phase was drawn, the last one too (a flush after the last event).
        for phase in phases + [.removeBlobs] {
            #expect(draws.contains { $0.text.hasPrefix(ProgressText.words(phase)) }, "\(phase) never drawn")
        }
        #expect(draws.last?.text == "removing blobs  0/9  0%")
    }

    @Test func phaseChangeInsideTheIntervalIsDrawnAtTheFlush() {
        var meter = ProgressMeter(interval: 0.1)
        _ = meter.receive(.init(phase: .readManifests, done: 10, total: 10), now: 0)
        #expect(meter.receive(.init(phase: .mark, done: 0, total: 1), now: 0.01) == .flush(at: 0.1))
        #expect(meter.flush(now: 0.1) == .draw("marking live content"))
    }

    @Test func rateAndETAPerPhaseAfterTheWarmUp() {
        var meter = ProgressMeter(interval: 0.1, warmUp: 0.5)
        _ = meter.receive(.init(phase: .readManifests, done: 0, total: 1000), now: 100)
        // Within the warm-up: no rate yet.
        #expect(
            meter.receive(.init(phase: .readManifests, done: 30, total: 1000), now: 100.3)
                == .draw("reading manifests  30/1,000  3%"))
        #expect(
            meter.receive(.init(phase: .readManifests, done: 100, total: 1000), now: 101)
                == .draw("reading manifests  100/1,000  10%  100/s  ETA 9s"))
        // A new phase measures from its own first event (which may already have done some).
        _ = meter.receive(.init(phase: .verify, done: 1, total: 101, bytes: 1_000_000), now: 102)
        #expect(
            meter.receive(.init(phase: .verify, done: 21, total: 101, bytes: 201_000_000), now: 104)
                == .draw("hashing blobs  21/101  20%  201 MB  100 MB/s  ETA 8s"))
        // Unknown total: a rate, no ETA.
        _ = meter.receive(.init(phase: .listRepositories, done: 0), now: 110)
        #expect(
            meter.receive(.init(phase: .listRepositories, done: 50), now: 112)
                == .draw("listing repositories  50  25/s"))
    }

    @Test func aFlushDrawsTheRateAsOfTheEventNotOfTheFlush() {
        var meter = ProgressMeter(interval: 1, warmUp: 0.5)
        _ = meter.receive(.init(phase: .removeLinks, done: 0, total: 400), now: 0)
        #expect(meter.receive(.init(phase: .removeLinks, done: 100, total: 400), now: 0.9) == .flush(at: 1))
        // Drawn at 1.0 (a plain log line's interval); 100 items in 0.9 s, not in 1.0 s.
        #expect(meter.flush(now: 1) == .draw("removing links  100/400  25%  111/s  ETA 3s"))
    }
}

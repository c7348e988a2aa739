/// When a progress display redraws, and what it shows: a state machine fed with
/// ``ProgressEvent``s and the time of a monotonic clock (passed in, so tests drive it).
///
/// - At most one draw per ``interval``: the first event draws at once; an event that comes
///   sooner is kept, and the answer says when to call ``flush(now:)``, which draws the newest
///   kept event. So the display is never more than one interval behind (a phase change always
///   shows, at most one interval late) and never redraws more often.
/// - Rate and time left are per phase, measured from the phase's first event (items, or bytes
///   when the phase reports them); both are left out for the first ``warmUp`` seconds of a
///   phase, and the time left also when the total is unknown.
///
/// Performance: an event that does not draw costs a comparison and a copy of the event (no
/// allocation); only draws format text.
package struct ProgressMeter: Sendable {
    /// What to do after an event or a flush.
    package enum Decision: Sendable, Equatable {
        /// Draw this text now.
        case draw(String)
        /// Nothing now; call ``ProgressMeter/flush(now:)`` at this time of the clock.
        case flush(at: Double)
        /// Nothing now (a flush is already due, or there is nothing to draw).
        case wait
    }

    /// The shortest time between two draws, in seconds.
    package let interval: Double
    /// Seconds of a phase before its rate and time left are shown.
    package let warmUp: Double

    /// The current phase, when it began, and what was done at its first event.
    private var phase: ProgressEvent.Phase?
    private var phaseStart = 0.0
    private var startDone = 0
    private var startBytes = 0
    /// The earliest time of the next draw (the last draw's time plus ``interval``).
    private var nextDraw: Double?
    /// The newest event not drawn yet, and when it came.
    private var pending: (event: ProgressEvent, time: Double)?
    /// A flush has been asked for and has not come yet.
    private var flushDue = false

    /// Creates a meter.
    ///
    /// - Parameters:
    ///   - interval: the shortest time between draws (0.1 s: at most ten draws a second).
    ///   - warmUp: seconds of a phase before rate and time left are shown.
    package init(interval: Double = 0.1, warmUp: Double = 0.5) {
        self.interval = interval
        self.warmUp = warmUp
    }

    /// Takes an event that came at `now`.
    package mutating func receive(_ event: ProgressEvent, now: Double) -> Decision {
        if event.phase != phase {
            phase = event.phase
            phaseStart = now
            startDone = event.done
            startBytes = event.bytes ?? 0
        }
        if let nextDraw, now < nextDraw {
            pending = (event, now)
            if flushDue { return .wait }
            flushDue = true
            return .flush(at: nextDraw)
        }
        return draw(event, at: now, now: now)
    }

    /// Draws the newest event not drawn yet, if the interval since the last draw has passed
    /// (else asks again for a later flush).
    package mutating func flush(now: Double) -> Decision {
        flushDue = false
        guard let (event, time) = pending else { return .wait }
        if let nextDraw, now < nextDraw {
            flushDue = true
            return .flush(at: nextDraw)
        }
        return draw(event, at: time, now: now)
    }

    /// The text for `event` as of `time` (its arrival); records a draw at `now`.
    private mutating func draw(_ event: ProgressEvent, at time: Double, now: Double) -> Decision {
        nextDraw = now + interval
        pending = nil
        let elapsed = time - phaseStart
        guard elapsed >= warmUp && elapsed > 0 else { return .draw(ProgressText.line(event)) }
        let itemRate = Double(event.done - startDone) / elapsed
        let rate = event.bytes.map { Double($0 - startBytes) / elapsed } ?? itemRate
        var eta: Double?
        if let total = event.total, itemRate > 0, event.done <= total {
            eta = Double(total - event.done) / itemRate
        }
        return .draw(ProgressText.line(event, rate: rate, eta: eta))
    }
}

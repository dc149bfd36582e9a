//! Timers cancelled by generation counters.
//!
//! A model that wants a cancellable timer keeps one `TimerGen` per timer slot
//! (say, "the fencing timer of broker 3"). Arming returns the new generation,
//! which the model puts inside the scheduled event. When the event pops, the
//! model asks `is_current(gen)`: if the timer was re-armed or cancelled in the
//! meantime the generation moved on and the event is ignored. This makes
//! cancellation O(1) and keeps events small and `Copy`.

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimerGen {
    current: u32,
    armed: bool,
}

impl TimerGen {
    /// Arms (or re-arms) the timer, invalidating any earlier event.
    pub fn arm(&mut self) -> u32 {
        self.current = self.current.wrapping_add(1);
        self.armed = true;
        self.current
    }

    /// Cancels the timer: any event carrying an earlier generation is stale.
    pub fn cancel(&mut self) {
        self.current = self.current.wrapping_add(1);
        self.armed = false;
    }

    /// Whether an event carrying `gen` is still the live firing of this timer.
    pub fn is_current(&self, gen: u32) -> bool {
        self.armed && self.current == gen
    }

    /// Consumes a firing: true (and disarms) if `gen` is live.
    pub fn fire(&mut self, gen: u32) -> bool {
        if self.is_current(gen) {
            self.armed = false;
            true
        } else {
            false
        }
    }

    pub fn is_armed(&self) -> bool {
        self.armed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rearmed_timer_ignores_its_stale_firing() {
        let mut t = TimerGen::default();
        let first = t.arm();
        let second = t.arm();
        assert!(!t.fire(first));
        assert!(t.fire(second));
        assert!(!t.fire(second), "a timer fires once");
    }

    #[test]
    fn cancelled_timer_never_fires() {
        let mut t = TimerGen::default();
        let g = t.arm();
        t.cancel();
        assert!(!t.fire(g));
        assert!(!t.is_armed());
    }
}

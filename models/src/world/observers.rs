//! Confluent observers: automatic promotion into the ISR and demotion.

use super::*;

impl World {
    /// Confluent's automatic observer promotion and demotion, proposed by the
    /// leader through the same one-at-a-time `AlterPartition` as any ISR
    /// change:
    ///
    /// - promote caught-up (streaming) observers, in assignment order, while
    ///   the ISR is below the policy's threshold: `min.insync.replicas` for
    ///   `under-min-isr`, the sync replica count for `under-replicated`;
    ///   `leader-is-observer` (and version 1) only once an operator made an
    ///   observer the leader, then up to min ISR;
    /// - demote observers (other than the leader) once enough sync replicas
    ///   are back in the ISR that the ISR stays at the threshold without them.
    ///
    /// An observer that is not caught up is never promoted: promoting it
    /// would stall the high watermark, and Confluent promotes only caught-up
    /// observers [CP-AOP-blog].
    pub(super) fn promote_or_demote_observers(&mut self, now: SimTime, p: usize) {
        let m = self.model.clone();
        let spec = &m.partitions[p];
        let topic = &m.topics[spec.topic.idx()];
        let Some(l) = self.parts[p].leader else {
            return;
        };
        let obs = spec.observers;
        let part = &self.parts[p];
        let isr = part.isr;
        let eff_min = self.eff_min_isr(p);
        let leader_is_observer = obs & (1 << l) != 0;
        let promote_below = match topic.promotion {
            PromotionPolicy::UnderMinIsr => eff_min,
            PromotionPolicy::UnderReplicated => topic.rf as u32,
            PromotionPolicy::LeaderIsObserver if leader_is_observer => eff_min,
            PromotionPolicy::LeaderIsObserver => 0,
        };
        let demote_at = match topic.promotion {
            PromotionPolicy::UnderReplicated => topic.rf as u32,
            _ => eff_min,
        };
        let mut target = isr;
        if isr.count_ones() < promote_below {
            for s in 0..spec.rf as usize {
                let bit = 1u8 << s;
                if target.count_ones() >= promote_below {
                    break;
                }
                if obs & bit != 0 && isr & bit == 0 && part.replicas[s].fetch == Fetch::Streaming {
                    target |= bit;
                }
            }
        } else if isr & obs & !(1 << l) != 0 && (isr & !obs).count_ones() >= demote_at {
            target = isr & !(obs & !(1 << l));
        }
        if target != isr {
            self.parts[p].pending_isr = Some(target);
            let promoted = target & !isr != 0;
            self.note(
                now,
                TraceRecord::ObserversChanging {
                    partition: p as u32,
                    isr: target,
                    promote: promoted,
                },
            );
        }
    }
}

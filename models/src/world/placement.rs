//! Where each client runs: the application's side of an outage.
//!
//! A producer or consumer group runs in one DC at a time. When that DC is
//! lost, its deployment (`compile::Placement`) decides where it runs again:
//! spread over its region's DCs, it moves to a surviving one after the
//! declared delay; pinned, it waits for its DC; restarted elsewhere, it runs
//! in the named DC after the declared time. Meanwhile it is dead, and a dead
//! client is down for the application (producers.rs, consumers.rs). A DC
//! that comes back brings back the instances it holds: a client whose DC of
//! the moment is down runs again at once in its home DC when that returns.
//!
//! This room owns `ClientPlaces` and changes nothing else; the other rooms
//! read a client's DC through [`World::producer_dc`] and
//! [`World::consumer_dc`].

use super::*;
use crate::compile::Placement;

/// The stream of clients' move delays: a purpose of its own, so drawing
/// them moves no other draw.
const CLIENT_PLACES: Purpose = Purpose(0x301);

/// Which client a move is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ClientRef {
    Producer(u16),
    Consumer(u16),
}

/// Every client's DC of the moment and its pending move.
#[derive(Debug)]
pub(super) struct ClientPlaces {
    producer_at: Vec<DcIdx>,
    consumer_at: Vec<DcIdx>,
    producer_move: Vec<TimerGen>,
    consumer_move: Vec<TimerGen>,
    rng: StreamRng,
}

impl ClientPlaces {
    pub(super) fn new(streams: &RngStreams) -> Self {
        ClientPlaces {
            producer_at: Vec::new(),
            consumer_at: Vec::new(),
            producer_move: Vec::new(),
            consumer_move: Vec::new(),
            rng: streams.stream(CLIENT_PLACES),
        }
    }

    /// Every client at home, no move pending, the stream of this trial.
    pub(super) fn reset(&mut self, m: &Model, streams: &RngStreams) {
        self.producer_at.clear();
        self.producer_at.extend(m.producers.iter().map(|p| p.dc));
        self.consumer_at.clear();
        self.consumer_at.extend(m.consumers.iter().map(|c| c.dc));
        self.producer_move.clear();
        self.producer_move
            .resize(m.producers.len(), TimerGen::default());
        self.consumer_move.clear();
        self.consumer_move
            .resize(m.consumers.len(), TimerGen::default());
        self.rng = streams.stream(CLIENT_PLACES);
    }

    fn at(&mut self, c: ClientRef) -> &mut DcIdx {
        match c {
            ClientRef::Producer(i) => &mut self.producer_at[i as usize],
            ClientRef::Consumer(i) => &mut self.consumer_at[i as usize],
        }
    }

    fn timer(&mut self, c: ClientRef) -> &mut TimerGen {
        match c {
            ClientRef::Producer(i) => &mut self.producer_move[i as usize],
            ClientRef::Consumer(i) => &mut self.consumer_move[i as usize],
        }
    }
}

impl World {
    /// The DC producer `pi` runs in now.
    pub(super) fn producer_dc(&self, pi: usize) -> DcIdx {
        self.places.producer_at[pi]
    }

    /// The DC consumer group `i` runs in now.
    pub(super) fn consumer_dc(&self, i: usize) -> DcIdx {
        self.places.consumer_at[i]
    }

    fn spec_of(&self, c: ClientRef) -> (DcIdx, &Placement) {
        match c {
            ClientRef::Producer(i) => {
                let p = &self.model.producers[i as usize];
                (p.dc, &p.placement)
            }
            ClientRef::Consumer(i) => {
                let k = &self.model.consumers[i as usize];
                (k.dc, &k.placement)
            }
        }
    }

    /// Where client `c` can run now, other than where it is: its home DC if
    /// that is up (it comes back with its DC), else the first DC its
    /// deployment allows that is up.
    fn place_for(&self, c: ClientRef) -> Option<DcIdx> {
        let (home, placement) = self.spec_of(c);
        let up = |d: DcIdx| self.dc_down[d.idx()] == 0;
        if up(home) {
            return Some(home);
        }
        match placement {
            Placement::Pinned => None,
            Placement::Spread { dcs, .. } => dcs.iter().copied().find(|&d| up(d)),
            Placement::RestartIn { dc, .. } => Some(*dc).filter(|&d| up(d)),
        }
    }

    /// After DCs went down or came back: every client whose DC of the
    /// moment is down returns home at once if home is up, or has a move
    /// armed (once) to where its deployment lets it run.
    pub(super) fn refresh_places(&mut self, now: SimTime) {
        let clients = (0..self.model.producers.len() as u16)
            .map(ClientRef::Producer)
            .chain((0..self.model.consumers.len() as u16).map(ClientRef::Consumer));
        for c in clients {
            let at = *self.places.at(c);
            if self.dc_down[at.idx()] == 0 {
                continue;
            }
            let home = self.spec_of(c).0;
            if self.dc_down[home.idx()] == 0 {
                *self.places.at(c) = home;
                self.places.timer(c).cancel();
                continue;
            }
            if self.places.timer(c).is_armed() || self.place_for(c).is_none() {
                continue;
            }
            let delay = match self.spec_of(c).1 {
                Placement::Pinned => continue,
                Placement::Spread { move_after, .. } => *move_after,
                Placement::RestartIn { after, .. } => *after,
            };
            let d = delay.sample(&mut self.places.rng);
            let gen = self.places.timer(c).arm();
            self.q.schedule(now + d, Ev::ClientMoves { client: c, gen });
        }
    }

    /// Client `c`'s move is due: it runs where its deployment lets it now
    /// (nowhere, if every such DC went down meanwhile: the next change of a
    /// DC arms it again).
    pub(super) fn client_moves(&mut self, now: SimTime, c: ClientRef, gen: u32) {
        if !self.places.timer(c).fire(gen) {
            return;
        }
        let at = *self.places.at(c);
        if self.dc_down[at.idx()] == 0 {
            return;
        }
        if let Some(to) = self.place_for(c) {
            *self.places.at(c) = to;
            self.note(
                now,
                TraceRecord::ClientMoved {
                    producer: matches!(c, ClientRef::Producer(_)),
                    client: match c {
                        ClientRef::Producer(i) | ClientRef::Consumer(i) => i,
                    },
                    dc: to.0,
                },
            );
        }
    }
}

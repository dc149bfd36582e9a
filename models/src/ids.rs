//! Newtype indices into the compiled model's tables. Kafka's own ids (broker
//! `node.id`s) are kept in the tables; these are dense positions.

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl $name {
            pub const fn idx(self) -> usize {
                self.0 as usize
            }
        }
    };
}

index_type!(
    /// A region's position in the model.
    RegionIdx(u16)
);
index_type!(
    /// A data center's position; at most 64 per scenario (link masks are `u64`).
    DcIdx(u16)
);
index_type!(
    /// A rack's position.
    RackIdx(u16)
);
index_type!(
    /// A broker's position (not its Kafka `node.id`).
    BrokerIdx(u16)
);
index_type!(
    /// A KRaft controller's position (not its `node.id`).
    ControllerIdx(u16)
);
index_type!(
    /// A topic's position.
    TopicIdx(u16)
);
index_type!(
    /// A partition's position across all topics.
    PartitionIdx(u32)
);

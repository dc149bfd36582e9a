//! Properties over random topologies and fault schedules.

use kdrsim::models::scenario::*;
use kdrsim::{load_source, Source, World};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum F {
    CrashBroker(u32),
    CrashDc(usize),
    Cut(usize),
}

fn build(
    brokers_per_dc: usize,
    controller_dcs: [usize; 3],
    partitions: u32,
    rf: u16,
    min_isr: u16,
    faults: &[(F, u64, Option<u64>)],
) -> Scenario {
    let dc_names = ["dc1", "dc2", "dc3"];
    let mut id = 1;
    let dcs = dc_names
        .iter()
        .enumerate()
        .map(|(d, name)| {
            let brokers: Vec<u32> = (0..brokers_per_dc)
                .map(|_| {
                    id += 1;
                    id - 1
                })
                .collect();
            let controllers: Vec<u32> = controller_dcs
                .iter()
                .enumerate()
                .filter(|(_, cd)| **cd == d)
                .map(|(k, _)| 100 + k as u32)
                .collect();
            DataCenter {
                name: name.to_string(),
                racks: vec![Rack {
                    name: name.to_string(),
                    brokers,
                    controllers,
                }],
            }
        })
        .collect();
    let fault_list = faults
        .iter()
        .map(|(f, at, rec)| Fault {
            at: TimeDist::Fixed(*at),
            recover_after: rec.map(TimeDist::Fixed),
            fault: match f {
                F::CrashBroker(b) => FaultKind::Crash(Target::Broker(*b)),
                F::CrashDc(d) => FaultKind::Crash(Target::Dc(dc_names[*d].into())),
                F::Cut(d) => FaultKind::Partition(
                    vec![dc_names[*d].into()],
                    dc_names
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| k != d)
                        .map(|(_, n)| n.to_string())
                        .collect(),
                ),
            },
        })
        .collect();
    Scenario {
        version: 1,
        name: "random".into(),
        description: String::new(),
        duration_ms: 600_000,
        topology: Topology {
            regions: vec![Region {
                name: "r".into(),
                data_centers: dcs,
            }],
            network: NetworkDefaults::default(),
            links: vec![],
        },
        cluster: ClusterConfig::default(),
        topics: vec![Topic {
            name: "t".into(),
            partitions,
            replication_factor: rf,
            min_insync_replicas: min_isr,
            unclean_leader_election_enable: false,
            placement: Placement::RackAware,
        }],
        producers: vec![Producer {
            name: "p".into(),
            topic: "t".into(),
            dc: "dc1".into(),
            records_per_sec: 2000.0,
            record_bytes: 512,
            acks: Acks::All,
            enable_idempotence: true,
            delivery_timeout_ms: 120_000,
            request_timeout_ms: 30_000,
        }],
        consumers: vec![],
        faults: fault_list,
    }
}

fn fault_strategy(brokers: u32) -> impl Strategy<Value = (F, u64, Option<u64>)> {
    (
        prop_oneof![
            (1..=brokers).prop_map(F::CrashBroker),
            (0usize..3).prop_map(F::CrashDc),
            (0usize..3).prop_map(F::Cut),
        ],
        10_000u64..500_000,
        prop::option::of(1_000u64..200_000),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// With acks=all, min.insync.replicas >= 2, unclean election off and no
    /// power loss, every acknowledged record is on at least two replicas
    /// whose disks survive every fault: nothing acknowledged may be lost,
    /// whatever crashes and partitions happen, in whatever order.
    #[test]
    fn crashes_and_partitions_never_lose_acknowledged_records_with_acks_all_and_min_isr_2(
        brokers_per_dc in 1usize..=2,
        controller_dcs in prop::array::uniform3(0usize..3),
        partitions in 1u32..=6,
        rf in 2u16..=3,
        faults in prop::collection::vec(fault_strategy(6), 1..5),
        seed in 0u64..1000,
    ) {
        let min_isr = 2;
        let brokers = brokers_per_dc as u32 * 3;
        let faults: Vec<_> = faults.into_iter().filter(|(f, _, _)| !matches!(f, F::CrashBroker(b) if *b > brokers)).collect();
        let scenario = build(brokers_per_dc, controller_dcs, partitions, rf, min_isr, &faults);
        let text = ron::ser::to_string_pretty(&scenario, ron::ser::PrettyConfig::default()).unwrap();
        let model = load_source(&Source { file: "random.ron".into(), text }).unwrap();
        let mut world = World::new(model);
        for trial in 0..4 {
            let o = world.run_trial(seed, trial);
            prop_assert_eq!(o.acked_lost_records, 0, "trial {} of {:?}", trial, faults);
            prop_assert!(o.max_write_outage_ms <= o.write_unavailable_ms);
        }
    }
}

package kdrsim.reality;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The workload, the leader lookup and the oracle of the reality harness.
 *
 * <p>Subcommands (all options are key=value):
 * <ul>
 *   <li>{@code create-topic bootstrap= topic= partitions= rf= min_isr= unclean= assignment=1,2,3;2,3,1}
 *   <li>{@code leader bootstrap= topic= partition=} prints the leader's node id (or -1)
 *   <li>{@code isr bootstrap= topic= partition=} prints the ISR, comma separated
 *   <li>{@code workload bootstrap= topic= out= duration_ms= rate= acks= idempotence= delivery_timeout_ms=
 *       request_timeout_ms= record_bytes= group= auto_commit_ms= offset_reset= drain_ms=}
 *   <li>{@code oracle bootstrap= topic= out= [canary_drop=N] [gap_ms=1000]} reads every partition's final
 *       log and writes out/outcome.json, a kdrsim TrialOutcome.
 * </ul>
 */
public final class Harness {
    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            System.err.println("usage: Harness create-topic|leader|isr|workload|oracle key=value...");
            System.exit(2);
        }
        Map<String, String> a = new HashMap<>();
        for (int i = 1; i < argv.length; i++) {
            int eq = argv[i].indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("expected key=value, got " + argv[i]);
            a.put(argv[i].substring(0, eq), argv[i].substring(eq + 1));
        }
        switch (argv[0]) {
            case "create-topic" -> createTopic(a);
            case "leader" -> System.out.println(describe(a).leader() == null ? -1 : describe(a).leader().id());
            case "isr" -> {
                StringBuilder sb = new StringBuilder();
                for (var n : describe(a).isr()) sb.append(sb.length() == 0 ? "" : ",").append(n.id());
                System.out.println(sb);
            }
            case "ready" -> ready(a);
            case "elect-unclean" -> electUnclean(a);
            case "workload" -> new Workload(a).run();
            case "oracle" -> Oracle.run(a);
            case "judge" -> Oracle.judgeSaved(a);
            default -> {
                System.err.println("unknown subcommand " + argv[0]);
                System.exit(2);
            }
        }
        System.exit(0);
    }

    static String req(Map<String, String> a, String k) {
        String v = a.get(k);
        if (v == null) throw new IllegalArgumentException("missing " + k + "=");
        return v;
    }

    static Properties adminProps(Map<String, String> a) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, req(a, "bootstrap"));
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        return p;
    }

    static void createTopic(Map<String, String> a) throws Exception {
        String topic = req(a, "topic");
        Map<String, String> cfg = new HashMap<>();
        cfg.put("min.insync.replicas", req(a, "min_isr"));
        cfg.put("unclean.leader.election.enable", a.getOrDefault("unclean", "false"));
        NewTopic nt;
        String asg = a.get("assignment");
        if (asg != null && !asg.isEmpty()) {
            Map<Integer, List<Integer>> m = new LinkedHashMap<>();
            String[] parts = asg.split(";");
            for (int p = 0; p < parts.length; p++) {
                List<Integer> r = new ArrayList<>();
                for (String s : parts[p].split(",")) r.add(Integer.parseInt(s.trim()));
                m.put(p, r);
            }
            nt = new NewTopic(topic, m);
        } else {
            nt = new NewTopic(topic, Integer.parseInt(req(a, "partitions")), Short.parseShort(req(a, "rf")));
        }
        nt.configs(cfg);
        try (Admin admin = Admin.create(adminProps(a))) {
            admin.createTopics(List.of(nt)).all().get(30, TimeUnit.SECONDS);
            // Wait until every partition has its leader and a full ISR.
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                try {
                    TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
                    boolean ok = true;
                    for (TopicPartitionInfo pi : d.partitions()) {
                        ok &= pi.leader() != null && pi.isr().size() == pi.replicas().size();
                    }
                    if (ok) {
                        for (TopicPartitionInfo pi : d.partitions()) {
                            System.out.println("partition " + pi.partition() + " leader " + pi.leader().id()
                                + " replicas " + pi.replicas().stream().map(n -> n.idString()).toList());
                        }
                        return;
                    }
                } catch (Exception e) {
                    // metadata not propagated yet
                }
                Thread.sleep(200);
            }
            throw new IllegalStateException("topic " + topic + " did not get leaders and full ISRs in 30 s");
        }
    }

    /** Waits (up to timeout_ms) until `brokers=` brokers are registered and unfenced. */
    static void ready(Map<String, String> a) throws Exception {
        int want = Integer.parseInt(a.getOrDefault("brokers", "3"));
        long deadline = System.currentTimeMillis() + Long.parseLong(a.getOrDefault("timeout_ms", "120000"));
        try (Admin admin = Admin.create(adminProps(a))) {
            while (System.currentTimeMillis() < deadline) {
                try {
                    int n = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
                    if (n >= want) {
                        System.out.println("ready: " + n + " brokers");
                        return;
                    }
                } catch (Exception e) {
                    // not up yet
                }
                Thread.sleep(250);
            }
        }
        throw new IllegalStateException("cluster not ready: fewer than " + want + " brokers");
    }

    /** kafka-leader-election --election-type UNCLEAN for every partition of the topic without a leader. */
    static void electUnclean(Map<String, String> a) throws Exception {
        String topic = req(a, "topic");
        try (Admin admin = Admin.create(adminProps(a))) {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS).get(topic);
            Set<TopicPartition> leaderless = new HashSet<>();
            for (TopicPartitionInfo pi : d.partitions()) {
                if (pi.leader() == null || pi.leader().isEmpty()) leaderless.add(new TopicPartition(topic, pi.partition()));
            }
            System.out.println("leaderless before: " + leaderless);
            if (leaderless.isEmpty()) return;
            var r = admin.electLeaders(org.apache.kafka.common.ElectionType.UNCLEAN, leaderless).partitions().get(30, TimeUnit.SECONDS);
            r.forEach((tp, err) -> System.out.println(tp + " -> " + err.map(Throwable::toString).orElse("elected")));
        }
    }

    static TopicPartitionInfo describe(Map<String, String> a) throws Exception {
        String topic = req(a, "topic");
        int p = Integer.parseInt(a.getOrDefault("partition", "0"));
        try (Admin admin = Admin.create(adminProps(a))) {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS).get(topic);
            return d.partitions().get(p);
        }
    }

    /** A producer at a fixed rate and one consumer group member, both recording everything. */
    static final class Workload {
        final Map<String, String> a;
        final String topic;
        final Path out;

        Workload(Map<String, String> a) {
            this.a = a;
            this.topic = req(a, "topic");
            this.out = Paths.get(req(a, "out"));
        }

        void run() throws Exception {
            Files.createDirectories(out);
            long durationMs = Long.parseLong(req(a, "duration_ms"));
            double rate = Double.parseDouble(req(a, "rate"));
            int recordBytes = Integer.parseInt(a.getOrDefault("record_bytes", "100"));
            long drainMs = Long.parseLong(a.getOrDefault("drain_ms", "15000"));

            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, req(a, "bootstrap"));
            pp.put(ProducerConfig.ACKS_CONFIG, a.getOrDefault("acks", "all"));
            pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, a.getOrDefault("idempotence", "true"));
            pp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, a.getOrDefault("delivery_timeout_ms", "120000"));
            pp.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, a.getOrDefault("request_timeout_ms", "30000"));
            pp.put(ProducerConfig.LINGER_MS_CONFIG, a.getOrDefault("linger_ms", "5"));
            pp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
            pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());

            Properties cp = new Properties();
            cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, req(a, "bootstrap"));
            cp.put(ConsumerConfig.GROUP_ID_CONFIG, a.getOrDefault("group", "indexer"));
            cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "true");
            cp.put(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, a.getOrDefault("auto_commit_ms", "5000"));
            cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, a.getOrDefault("offset_reset", "latest"));
            cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());

            ConcurrentLinkedQueue<String> sends = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<String> consumed = new ConcurrentLinkedQueue<>();
            AtomicBoolean stopConsumer = new AtomicBoolean(false);
            CountDownLatch assigned = new CountDownLatch(1);
            AtomicLong consumedCount = new AtomicLong();

            Thread consumer = new Thread(() -> {
                try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp)) {
                    c.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                        public void onPartitionsRevoked(Collection<TopicPartition> ps) {
                            consumed.add("#revoked\t" + System.currentTimeMillis() + "\t" + ps.size());
                        }

                        public void onPartitionsAssigned(Collection<TopicPartition> ps) {
                            consumed.add("#assigned\t" + System.currentTimeMillis() + "\t" + ps.size());
                            // Positions are fixed before the producer starts, so offset_reset=latest skips nothing.
                            for (TopicPartition tp : ps) c.position(tp);
                            if (!ps.isEmpty()) assigned.countDown();
                        }
                    });
                    while (!stopConsumer.get()) {
                        ConsumerRecords<byte[], byte[]> rs = c.poll(Duration.ofMillis(100));
                        long now = System.currentTimeMillis();
                        for (ConsumerRecord<byte[], byte[]> r : rs) {
                            consumed.add(r.partition() + "\t" + r.offset() + "\t" + seqOf(r.value()) + "\t" + now);
                            consumedCount.incrementAndGet();
                        }
                    }
                    c.commitSync(Duration.ofSeconds(10));
                } catch (Exception e) {
                    consumed.add("#error\t" + System.currentTimeMillis() + "\t" + e);
                }
            }, "consumer");
            consumer.start();
            if (!assigned.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("consumer got no partitions in 60 s");

            // Read probe: every 200 ms ask each partition's leader for its end offset (ListOffsets
            // is answered by the leader alone, as a fetch is). A stretch from the last answered probe
            // to the next, with unanswered ones between, is a partition unreadable (kdrsim: no
            // serving leader the consumer reaches).
            ConcurrentLinkedQueue<String> probes = new ConcurrentLinkedQueue<>();
            AtomicBoolean stopProbe = new AtomicBoolean(false);
            Properties rp = new Properties();
            rp.putAll(cp);
            rp.remove(ConsumerConfig.GROUP_ID_CONFIG);
            rp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            rp.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "1000");
            rp.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "1000");
            Thread prober = new Thread(() -> {
                try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(rp)) {
                    List<TopicPartition> tps = new ArrayList<>();
                    c.partitionsFor(topic).forEach(pi -> tps.add(new TopicPartition(topic, pi.partition())));
                    while (!stopProbe.get()) {
                        long round = System.currentTimeMillis();
                        for (TopicPartition tp : tps) {
                            long t = System.currentTimeMillis();
                            boolean ok;
                            try {
                                c.endOffsets(List.of(tp), Duration.ofMillis(1000));
                                ok = true;
                            } catch (Exception e) {
                                ok = false;
                            }
                            probes.add(tp.partition() + "\t" + t + "\t" + System.currentTimeMillis() + "\t" + (ok ? "ok" : "fail"));
                        }
                        long sleep = 200 - (System.currentTimeMillis() - round);
                        if (sleep > 0) Thread.sleep(sleep);
                    }
                } catch (Exception e) {
                    probes.add("#error\t" + e);
                }
            }, "read-probe");
            prober.start();

            KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp);
            int partitions = producer.partitionsFor(topic).size();
            long t0 = System.currentTimeMillis();
            Files.writeString(out.resolve("workload.start"), t0 + "\n");
            long n0 = System.nanoTime();
            long total = (long) Math.floor(rate * durationMs / 1000.0);
            AtomicLong pending = new AtomicLong();
            for (long seq = 0; seq < total; seq++) {
                long due = n0 + (long) (seq * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
                byte[] v = payload(seq, recordBytes);
                int p = (int) (seq % partitions);
                final long s = seq;
                final long sendMs = System.currentTimeMillis();
                final long sendNs = System.nanoTime();
                pending.incrementAndGet();
                try {
                    producer.send(new ProducerRecord<>(topic, p, null, v), (md, ex) -> {
                        long ackMs = System.currentTimeMillis();
                        long latUs = (System.nanoTime() - sendNs) / 1000;
                        if (ex == null) {
                            sends.add(s + "\t" + p + "\tok\t" + md.offset() + "\t" + sendMs + "\t" + ackMs + "\t" + latUs);
                        } else {
                            sends.add(s + "\t" + p + "\terr\t-1\t" + sendMs + "\t" + ackMs + "\t"
                                + ex.getClass().getSimpleName());
                        }
                        pending.decrementAndGet();
                    });
                } catch (Exception ex) {
                    sends.add(s + "\t" + p + "\terr\t-1\t" + sendMs + "\t" + System.currentTimeMillis() + "\t"
                        + ex.getClass().getSimpleName());
                    pending.decrementAndGet();
                }
            }
            long tEnd = System.currentTimeMillis();
            Files.writeString(out.resolve("workload.end"), tEnd + "\n");
            // Let in-flight sends resolve (acknowledged or expired), then close.
            producer.close(Duration.ofMillis(Long.parseLong(a.getOrDefault("delivery_timeout_ms", "120000")) + 5000));
            // The consumer drains what was acknowledged last.
            Thread.sleep(drainMs);
            stopConsumer.set(true);
            stopProbe.set(true);
            consumer.join(30_000);
            prober.join(10_000);
            writeLines(out.resolve("probes.tsv"), probes);
            writeLines(out.resolve("sends.tsv"), sends);
            writeLines(out.resolve("consumed.tsv"), consumed);
            System.out.println("sent " + total + " in " + (tEnd - t0) + " ms; callbacks " + sends.size()
                + "; unresolved " + pending.get() + "; consumed " + consumedCount.get());
        }
    }

    static byte[] payload(long seq, int bytes) {
        byte[] b = new byte[Math.max(bytes, 20)];
        Arrays.fill(b, (byte) '.');
        byte[] s = Long.toString(seq).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(s, 0, b, 0, s.length);
        b[s.length] = ' ';
        return b;
    }

    static long seqOf(byte[] v) {
        int i = 0;
        long n = 0;
        while (i < v.length && v[i] >= '0' && v[i] <= '9') n = n * 10 + (v[i++] - '0');
        return i == 0 ? -1 : n;
    }

    static void writeLines(Path p, Collection<String> lines) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(p)) {
            for (String l : lines) {
                w.write(l);
                w.newLine();
            }
        }
    }

    /** The oracle: kdrsim's TrialOutcome from the records of one real run. */
    static final class Oracle {
        static void run(Map<String, String> a) throws Exception {
            String topic = req(a, "topic");
            Path out = Paths.get(req(a, "out"));
            long gap = Long.parseLong(a.getOrDefault("gap_ms", "1000"));
            int canaryDrop = Integer.parseInt(a.getOrDefault("canary_drop", "0"));

            // The final log of every partition, read from the start to its end offset, kept in
            // final-log.tsv so that `judge` can re-judge the run offline (the canary does).
            Map<Integer, Map<Long, Long>> log = readFinalLog(req(a, "bootstrap"), topic);
            List<String> saved = new ArrayList<>();
            for (var e : log.entrySet()) {
                for (var r : e.getValue().entrySet()) saved.add(e.getKey() + "\t" + r.getKey() + "\t" + r.getValue());
            }
            writeLines(out.resolve("final-log.tsv"), saved);
            finish(out, log, gap, canaryDrop, "outcome.json");
        }

        /** Judges a finished run again from its saved final log; with canary_drop=N, after forgetting
         * N acknowledged records, which the verdict must then report as lost. */
        static void judgeSaved(Map<String, String> a) throws Exception {
            Path out = Paths.get(req(a, "out"));
            long gap = Long.parseLong(a.getOrDefault("gap_ms", "1000"));
            int canaryDrop = Integer.parseInt(a.getOrDefault("canary_drop", "0"));
            Map<Integer, Map<Long, Long>> log = new HashMap<>();
            for (String l : Files.readAllLines(out.resolve("final-log.tsv"))) {
                String[] f = l.split("\t");
                log.computeIfAbsent(Integer.parseInt(f[0]), k -> new HashMap<>()).put(Long.parseLong(f[1]), Long.parseLong(f[2]));
            }
            finish(out, log, gap, canaryDrop, a.getOrDefault("json", "judged.json"));
        }

        static void finish(Path out, Map<Integer, Map<Long, Long>> log, long gap, int canaryDrop, String name)
            throws Exception {
            if (canaryDrop > 0) {
                // Canary: forget records the producer saw acknowledged, as a bug that truncates would.
                int dropped = 0;
                for (String l : Files.readAllLines(out.resolve("sends.tsv"))) {
                    String[] f = l.split("\t");
                    if (f[2].equals("ok") && dropped < canaryDrop) {
                        Map<Long, Long> pl = log.get(Integer.parseInt(f[1]));
                        if (pl != null && pl.remove(Long.parseLong(f[3])) != null) dropped++;
                    }
                }
                System.err.println("canary: dropped " + dropped + " acknowledged records from the final log");
            }
            Outcome o = judge(out, log, gap);
            String json = o.toJson();
            Files.writeString(out.resolve(name), json + "\n");
            System.out.println(json);
        }

        static Map<Integer, Map<Long, Long>> readFinalLog(String bootstrap, String topic) {
            Properties cp = new Properties();
            cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
            Map<Integer, Map<Long, Long>> log = new HashMap<>();
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp)) {
                List<TopicPartition> tps = new ArrayList<>();
                c.partitionsFor(topic, Duration.ofSeconds(30)).forEach(pi -> tps.add(new TopicPartition(topic, pi.partition())));
                c.assign(tps);
                c.seekToBeginning(tps);
                Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofSeconds(30));
                for (TopicPartition tp : tps) log.put(tp.partition(), new HashMap<>());
                long deadline = System.currentTimeMillis() + 120_000;
                while (System.currentTimeMillis() < deadline) {
                    boolean done = true;
                    for (TopicPartition tp : tps) done &= c.position(tp) >= end.get(tp);
                    if (done) break;
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                        log.get(r.partition()).put(r.offset(), seqOf(r.value()));
                    }
                }
                for (TopicPartition tp : tps) {
                    System.err.println("final log " + tp + ": end offset " + end.get(tp) + ", read " + log.get(tp.partition()).size());
                }
            }
            return log;
        }

        record Send(long seq, int p, boolean ok, long offset, long sendMs, long ackMs, long latUs) {}

        record Fault(long start, long end) {}

        static Outcome judge(Path out, Map<Integer, Map<Long, Long>> log, long gap) throws IOException {
            List<Send> sends = new ArrayList<>();
            for (String l : Files.readAllLines(out.resolve("sends.tsv"))) {
                String[] f = l.split("\t");
                boolean ok = f[2].equals("ok");
                sends.add(new Send(Long.parseLong(f[0]), Integer.parseInt(f[1]), ok, Long.parseLong(f[3]),
                    Long.parseLong(f[4]), Long.parseLong(f[5]), ok ? Long.parseLong(f[6]) : -1));
            }
            long t0 = Long.parseLong(Files.readString(out.resolve("workload.start")).trim());
            long tEnd = Long.parseLong(Files.readString(out.resolve("workload.end")).trim());
            List<Fault> faults = new ArrayList<>();
            Path fp = out.resolve("faults.tsv");
            if (Files.exists(fp)) {
                for (String l : Files.readAllLines(fp)) {
                    if (l.isBlank() || l.startsWith("#")) continue;
                    String[] f = l.split("\t");
                    long s = Long.parseLong(f[1]);
                    long e = f.length > 2 && !f[2].equals("-") ? Long.parseLong(f[2]) : Long.MAX_VALUE;
                    faults.add(new Fault(s, e));
                }
            }
            faults.sort((x, y) -> Long.compare(x.start, y.start));

            Outcome o = new Outcome();
            // Acknowledged records lost: the final log does not hold this record at its acknowledged offset.
            Map<Integer, List<Long>> ackTimes = new HashMap<>();
            List<Long> lats = new ArrayList<>();
            Map<Integer, Map<Long, Long>> ackedAt = new HashMap<>(); // p -> offset -> ack time
            Set<Long> seqSeen = new HashSet<>();
            for (Send s : sends) {
                if (!seqSeen.add(s.seq)) continue; // a callback fires once per record
                if (!s.ok) {
                    o.failed_sends++;
                    continue;
                }
                lats.add(s.latUs);
                ackTimes.computeIfAbsent(s.p, k -> new ArrayList<>()).add(s.ackMs);
                ackedAt.computeIfAbsent(s.p, k -> new HashMap<>()).put(s.offset, s.ackMs);
                Long held = log.getOrDefault(s.p, Map.of()).get(s.offset);
                if (held == null || held != s.seq) {
                    o.acked_lost_records++;
                    long failure = failureInstant(faults, s.ackMs, tEnd);
                    o.rpo_ms = Math.max(o.rpo_ms, Math.max(0, failure - s.sendMs));
                }
            }
            // Sends whose callback never fired (producer closed first) failed back to the application too.
            long total = 0;
            for (Send s : sends) total = Math.max(total, s.seq + 1);
            o.failed_sends += Math.max(0, total - seqSeen.size());

            // Write outage: per partition, a stretch of more than `gap` ms between acknowledgements
            // (or to the end of the workload); the union over partitions.
            List<long[]> wbad = new ArrayList<>();
            for (int p : log.keySet()) {
                List<Long> ts = new ArrayList<>(ackTimes.getOrDefault(p, List.of()));
                Collections.sort(ts);
                // From the partition's first acknowledgement: the client's start-up (metadata,
                // InitProducerId; up to 1.5 s on a loaded machine) is not an outage kdrsim models.
                long prev = ts.isEmpty() ? t0 : ts.get(0);
                for (long t : ts) {
                    if (t - prev > gap) wbad.add(new long[] {prev, t});
                    prev = Math.max(prev, t);
                }
                if (tEnd - prev > gap) wbad.add(new long[] {prev, tEnd});
            }
            long[] w = union(wbad);
            o.write_unavailable_ms = w[0];
            o.max_write_outage_ms = w[1];

            // Consumer: what it processed. A record is its sequence number (in its value), not its
            // offset: after an unclean election or a truncation the same offset holds another record,
            // and receiving that one is not a duplicate. Duplicates: receipts less distinct records;
            // skipped: records of the final log the consumer never received.
            Set<Long> seenSeq = new HashSet<>();
            long receipts = 0;
            for (String l : Files.readAllLines(out.resolve("consumed.tsv"))) {
                if (l.startsWith("#")) continue;
                String[] f = l.split("\t");
                receipts++;
                seenSeq.add(Long.parseLong(f[2]));
            }
            o.duplicates_delivered = receipts - seenSeq.size();
            for (var e : log.entrySet()) {
                for (long seq : e.getValue().values()) if (!seenSeq.contains(seq)) o.skipped_records++;
            }
            // Read outage: from the read probe (see Workload): per partition, from the last answered
            // probe before unanswered ones to the next answered one, if longer than `gap`; within the
            // workload's window; the union over partitions.
            List<long[]> rbad = new ArrayList<>();
            Map<Integer, List<long[]>> byPart = new HashMap<>();
            Path pp = out.resolve("probes.tsv");
            if (Files.exists(pp)) {
                for (String l : Files.readAllLines(pp)) {
                    if (l.startsWith("#")) continue;
                    String[] f = l.split("\t");
                    byPart.computeIfAbsent(Integer.parseInt(f[0]), k -> new ArrayList<>())
                        .add(new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]), f[3].equals("ok") ? 1 : 0});
                }
            }
            for (List<long[]> ps : byPart.values()) {
                ps.sort((x, y) -> Long.compare(x[0], y[0]));
                long lastOk = t0;
                boolean failing = false;
                for (long[] pr : ps) {
                    if (pr[2] == 1) {
                        if (failing) {
                            long s = Math.max(lastOk, t0), e = Math.min(pr[1], tEnd);
                            if (e - s > gap) rbad.add(new long[] {s, e});
                        }
                        failing = false;
                        lastOk = pr[1];
                    } else {
                        failing = true;
                    }
                }
                if (failing && tEnd - lastOk > gap) rbad.add(new long[] {lastOk, tEnd});
            }
            long[] r = union(rbad);
            o.read_unavailable_ms = r[0];
            o.max_read_outage_ms = r[1];

            Collections.sort(lats);
            if (!lats.isEmpty()) {
                int idx = (int) Math.ceil(0.99 * lats.size()) - 1;
                o.ack_latency_p99_us = lats.get(Math.max(0, idx));
            }
            o.acked = lats.size();
            return o;
        }

        static final long ACK_SLACK_MS = 500;

        /** kdrsim's failure instant: the first fault to begin after the acknowledgement; else the end
         * of the latest fault in progress at it; else the end of the run. */
        static long failureInstant(List<Fault> faults, long tAck, long tEnd) {
            // The client sees an acknowledgement some milliseconds after the broker sent it (more on
            // a loaded machine): one seen within ACK_SLACK_MS after a fault began was sent before it.
            for (Fault f : faults) if (f.start >= tAck - ACK_SLACK_MS) return f.start;
            Optional<Fault> latest = faults.stream().filter(f -> f.start < tAck - ACK_SLACK_MS && f.end >= tAck)
                .reduce((x, y) -> y.start >= x.start ? y : x);
            return latest.map(f -> Math.min(f.end, tEnd)).orElse(tEnd);
        }

        /** Total and longest length of the union of intervals. */
        static long[] union(List<long[]> iv) {
            iv.sort((x, y) -> Long.compare(x[0], y[0]));
            long total = 0, longest = 0, s = -1, e = -1;
            for (long[] i : iv) {
                if (s < 0 || i[0] > e) {
                    if (s >= 0) {
                        total += e - s;
                        longest = Math.max(longest, e - s);
                    }
                    s = i[0];
                    e = i[1];
                } else {
                    e = Math.max(e, i[1]);
                }
            }
            if (s >= 0) {
                total += e - s;
                longest = Math.max(longest, e - s);
            }
            return new long[] {total, longest};
        }
    }

    /** kdrsim's TrialOutcome, field for field (models/src/outcome.rs). */
    static final class Outcome {
        long acked_lost_records, rpo_ms, write_unavailable_ms, max_write_outage_ms, read_unavailable_ms,
            max_read_outage_ms, duplicates_delivered, skipped_records, failed_sends, producer_down_ms,
            cross_dc_bytes, ack_latency_p99_us;
        long acked; // not part of the contract; reported beside it

        String toJson() {
            return "{\"acked_lost_records\":" + acked_lost_records + ",\"rpo_ms\":" + rpo_ms
                + ",\"write_unavailable_ms\":" + write_unavailable_ms + ",\"max_write_outage_ms\":" + max_write_outage_ms
                + ",\"read_unavailable_ms\":" + read_unavailable_ms + ",\"max_read_outage_ms\":" + max_read_outage_ms
                + ",\"duplicates_delivered\":" + duplicates_delivered + ",\"skipped_records\":" + skipped_records
                + ",\"failed_sends\":" + failed_sends + ",\"producer_down_ms\":" + producer_down_ms
                + ",\"cross_dc_bytes\":" + cross_dc_bytes + ",\"ack_latency_p99_us\":" + ack_latency_p99_us
                + ",\"acked_records\":" + acked + "}";
        }
    }
}

package cn.hotline.ivr.workorder;

import cn.hotline.ivr.cli.Args;
import cn.hotline.ivr.cli.UsageException;
import cn.hotline.ivr.ops.Json;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * {@code ivr bench outbox --drafts N [--threads T] [--workers W] [--rate R] [--speakers S] [--speak-s SEC] [--dir DIR] [--backend process|in-process | --backend-url URL]}:
 * measures the outbox on this machine with real fsyncs and a real HTTP backend, printing JSON.
 *
 * <p>First the device's own fsync latency is sampled (the floor for persist latency). After a warm-up (up to 3000 drafts persisted and delivered through a separate outbox), phase 1: T threads (concurrent calls) persist N drafts as fast as they can, delivery off:
 * persist latency p50/p99/max and drafts/s. Phase 2: delivery on, W workers drain the backlog into
 * the development ticket backend (by default started as its own process with its own durable store;
 * {@code --backend in-process} runs it inside this JVM; {@code --backend-url} uses a running one): delivered drafts/s. Phase 3: persist at an offered rate R (default 100/s, ten times the peak call rate of a large city's hotline) while the
 * workers deliver, the realistic case: latency counted from when each persist was due.
 */
public final class OutboxBench {
    private OutboxBench() {
    }

    public static int run(Args args, PrintStream out, PrintStream err) throws Exception {
        int drafts = args.integer("--drafts", 5000);
        int threads = args.integer("--threads", 16);
        int workers = args.integer("--workers", 64);
        int rate = args.integer("--rate", 100);
        int speakers = args.integer("--speakers", 2000);
        int speakSeconds = args.integer("--speak-s", 10);
        Path dirOption = args.path("--dir", null);
        String backendUrl = args.string("--backend-url", null);
        String backendMode = args.string("--backend", "process");
        args.done();
        if (!backendMode.equals("process") && !backendMode.equals("in-process")) {
            throw new UsageException("--backend must be process or in-process, got '" + backendMode + "'");
        }
        if (drafts < 1 || threads < 1 || workers < 1 || rate < 1 || speakers < 1 || speakSeconds < 1) {
            throw new UsageException("--drafts, --threads, --workers, --rate, --speakers and --speak-s must be positive");
        }
        Path dir = dirOption != null ? dirOption : Files.createTempDirectory("ivr-outbox-bench");
        Files.createDirectories(dir);
        TicketBackend backend = null;
        Process backendProcess = null;
        URI url;
        if (backendUrl != null) {
            url = URI.create(backendUrl);
        } else if (backendMode.equals("in-process")) {
            backend = TicketBackend.start(TicketBackend.Options.reliable(0, dir.resolve("backend")));
            url = backend.baseUrl();
        } else {
            backendProcess = startBackendProcess(dir.resolve("backend"));
            url = URI.create(new java.io.BufferedReader(new java.io.InputStreamReader(backendProcess.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8)).readLine().strip());
        }
        OutboxSettings settings = OutboxSettings.defaults(dir.resolve("outbox")).withWorkers(workers);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("drafts", drafts);
        result.put("threads", threads);
        result.put("workers", workers);
        result.put("backend", backendUrl != null ? backendUrl : backendMode);
        result.put("dir", dir.toString());
        result.put("durability", "group commit: fsync before persist returns");
        result.put("fsyncBaseline", fsyncBaseline(dir, Math.min(300, Math.max(30, drafts))));
        try (Outbox warm = Outbox.open(settings.withDir(dir.resolve("warm-up")), new SimpleMeterRegistry())) {
            // Warm the JIT on the whole path (persist, HTTP both ways, JSON) in a separate outbox,
            // so the phases below measure the steady state rather than class loading.
            err.println("warm-up: persisting and delivering " + Math.min(drafts, 3000) + " drafts");
            warm.startDelivery(new TicketClient(TicketSettings.defaults(url)));
            persistAll(warm, "bench-warmup-" + System.currentTimeMillis(), Math.min(drafts, 3000), threads, 0);
            warm.awaitDrained(Duration.ofMinutes(5));
        }
        try (Outbox outbox = Outbox.open(settings, new SimpleMeterRegistry())) {
            err.println("phase 1: persisting " + drafts + " drafts from " + threads + " threads (delivery off)");
            result.put("persist", persistAll(outbox, "bench-a-" + System.currentTimeMillis(), drafts, threads, 0));
            result.put("bytesPerDraft", outbox.stats().diskBytes() / drafts);

            err.println("phase 2: delivering the backlog to " + url + " with " + workers + " workers");
            long start = System.nanoTime();
            outbox.startDelivery(new TicketClient(TicketSettings.defaults(url)));
            if (!outbox.awaitDrained(Duration.ofMinutes(10))) {
                err.println("delivery did not finish in 10 minutes: " + outbox.stats());
                return 1;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Outbox.Stats stats = outbox.stats();
            Map<String, Object> delivery = new LinkedHashMap<>();
            delivery.put("seconds", round(seconds));
            delivery.put("deliveredPerSecond", round(stats.delivered() / seconds));
            delivery.put("delivered", stats.delivered());
            delivery.put("retries", stats.retriesTotal());
            delivery.put("deadLetters", stats.dead());
            result.put("delivery", delivery);

            err.println("phase 3: persisting " + drafts + " more drafts at " + rate + "/s while delivering");
            start = System.nanoTime();
            Map<String, Object> paced = persistAll(outbox, "bench-b-" + System.currentTimeMillis(), drafts, threads, rate);
            paced.put("offeredPerSecond", rate);
            result.put("persistAtRateWhileDelivering", paced);
            outbox.awaitDrained(Duration.ofMinutes(10));
            seconds = (System.nanoTime() - start) / 1e9;
            result.put("mixedDeliveredPerSecond", round(drafts / seconds));
            result.put("diskBytes", outbox.stats().diskBytes());
            err.println("phase 4: " + speakers + " callers in intake, new words every 200 ms each, for " + speakSeconds
                    + " s (intake checkpoints)");
            result.put("intakeCheckpoints", checkpoints(dir.resolve("checkpoints"), speakers, Duration.ofSeconds(speakSeconds)));
        } finally {
            if (backend != null) {
                backend.close();
            }
            if (backendProcess != null) {
                backendProcess.destroy();
                backendProcess.waitFor();
            }
            if (dirOption == null) {
                deleteTree(dir);
            }
        }
        out.println(Json.write(result));
        return 0;
    }

    /**
     * The development backend in its own JVM, as a real ticket backend would be: the outbox and the
     * backend then do not share one heap, one GC and one JIT.
     */
    private static Process startBackendProcess(Path data) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "cn.hotline.ivr.cli.Main",
                "ticket-backend", "--port", "0", "--data", data.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    /**
     * Persists {@code drafts} from {@code threads} threads, as fast as possible when {@code rate} is 0,
     * else draft i is due at start + i/rate and its latency counts from then (no coordinated omission).
     */
    private static Map<String, Object> persistAll(Outbox outbox, String prefix, int drafts, int threads, int rate) throws Exception {
        long[] nanos = new long[drafts];
        AtomicInteger next = new AtomicInteger();
        List<Throwable> failures = new ArrayList<>();
        Instant created = Instant.now();
        long start = System.nanoTime();
        List<Thread> pool = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            pool.add(Thread.ofPlatform().start(() -> {
                for (int i = next.getAndIncrement(); i < drafts; i = next.getAndIncrement()) {
                    Draft d = SampleDrafts.complaint(prefix + "." + i, created);
                    long t0 = System.nanoTime();
                    if (rate > 0) {
                        long dueAt = start + i * 1_000_000_000L / rate;
                        if (dueAt > t0) {
                            LockSupport.parkNanos(dueAt - t0);
                        }
                        t0 = dueAt;
                    }
                    try {
                        outbox.persist(d);
                    } catch (IOException | RuntimeException e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    }
                    nanos[i] = System.nanoTime() - t0;
                }
            }));
        }
        for (Thread t : pool) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!failures.isEmpty()) {
            throw new IOException(failures.size() + " persists failed, first: " + failures.get(0), failures.get(0));
        }
        Arrays.sort(nanos);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("p50Ms", round(nanos[drafts / 2] / 1e6));
        r.put("p99Ms", round(nanos[Math.min(drafts - 1, (int) Math.ceil(drafts * 0.99) - 1)] / 1e6));
        r.put("maxMs", round(nanos[drafts - 1] / 1e6));
        r.put("persistedPerSecond", round(drafts / seconds));
        return r;
    }

    /**
     * What the disk itself gives: one 1.3 KB append plus fsync, one at a time, as a single caller
     * with no group commit would see. Persist latency cannot beat this device's own tail.
     */
    private static Map<String, Object> fsyncBaseline(Path dir, int samples) throws IOException {
        Path file = dir.resolve("fsync-baseline.tmp");
        long[] nanos = new long[samples];
        byte[] record = new byte[1300];
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            for (int i = 0; i < samples; i++) {
                raf.write(record);
                long t0 = System.nanoTime();
                raf.getFD().sync(); // what the journal calls
                nanos[i] = System.nanoTime() - t0;
            }
        } finally {
            Files.deleteIfExists(file);
        }
        Arrays.sort(nanos);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("p50Ms", round(nanos[samples / 2] / 1e6));
        r.put("p99Ms", round(nanos[(int) Math.ceil(samples * 0.99) - 1] / 1e6));
        r.put("maxMs", round(nanos[samples - 1] / 1e6));
        return r;
    }

    /**
     * Phase 4: {@code speakers} callers describing their problem at once, each reporting new words every
     * 200 ms (a recognizer's partials), through the real {@link IntakeCheckpoints}: what a partial costs
     * the thread that reports it, and what the writer thread costs (CPU, bytes and syncs per second).
     */
    private static Map<String, Object> checkpoints(Path dir, int speakers, Duration duration) throws IOException {
        Files.createDirectories(dir);
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<String, Object> r = new LinkedHashMap<>();
        try (IntakeCheckpoints c = IntakeCheckpoints.open(dir)) {
            Thread writer = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("intake-checkpoints")).findFirst().orElseThrow();
            long cpuBefore = mx.getThreadCpuTime(writer.threadId());
            String[] names = new String[speakers];
            Instant now = Instant.now();
            for (int i = 0; i < speakers; i++) {
                names[i] = c.started("1796000000." + i, "13800138000", "12345", "PJSIP/trunk-00000001", "zh", now);
            }
            String sentence = "我家楼下的饭店每天晚上油烟很大而且噪音扰民已经反映过好几次了希望有关部门尽快处理";
            List<Long> nanos = new ArrayList<>();
            long start = System.nanoTime();
            int round = 0;
            while (System.nanoTime() - start < duration.toNanos()) {
                long roundStart = System.nanoTime();
                int words = 4 + (round % (sentence.length() - 4));
                for (int i = 0; i < speakers; i++) {
                    long t0 = System.nanoTime();
                    c.heard(names[i], sentence.substring(0, words) + i);
                    if (i % 10 == 0) {
                        nanos.add(System.nanoTime() - t0);
                    }
                }
                round++;
                LockSupport.parkNanos(Math.max(0, 200_000_000L - (System.nanoTime() - roundStart)));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            c.flush();
            long cpu = mx.getThreadCpuTime(writer.threadId()) - cpuBefore;
            long fileBytes = Files.size(dir.resolve(IntakeCheckpoints.FILE));
            long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
            r.put("speakers", speakers);
            r.put("partialsPerSecond", round(speakers * (double) round / seconds));
            r.put("reportP50Us", round(sorted[sorted.length / 2] / 1e3));
            r.put("reportP99Us", round(sorted[(int) Math.ceil(sorted.length * 0.99) - 1] / 1e3));
            r.put("writerCpuPercentOfOneCore", round(100.0 * cpu / (seconds * 1e9)));
            r.put("fileBytesAtEnd", fileBytes);
            r.put("syncIntervalMs", IntakeCheckpoints.INTERVAL.toMillis());
            for (String name : names) {
                c.settled(name);
            }
        }
        return r;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

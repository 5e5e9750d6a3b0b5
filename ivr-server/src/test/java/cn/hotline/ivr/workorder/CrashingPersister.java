package cn.hotline.ivr.workorder;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A test-only process standing in for the server during a burst of calls: 8 threads persist drafts
 * {@code PREFIX.0 .. PREFIX.(N-1)} (skipping those already in the outbox) while the outbox delivers
 * them to the backend. It prints {@code persisted ID} the moment persist() returns, so the test
 * knows which drafts reached the point of persistence when it kills this process.
 *
 * <p>Usage: {@code CrashingPersister DIR BASE_URL PREFIX N}
 */
public final class CrashingPersister {
    private CrashingPersister() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        URI backend = URI.create(args[1]);
        String prefix = args[2];
        int count = Integer.parseInt(args[3]);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        OutboxSettings settings = new OutboxSettings(dir, 64L << 20, 0.8, 256L << 10, Duration.ofDays(1), Duration.ofHours(1),
                Duration.ofMillis(20), Duration.ofMillis(200), 4);
        try (Outbox outbox = Outbox.open(settings, new SimpleMeterRegistry())) {
            outbox.startDelivery(new TicketClient(new TicketSettings(backend, Duration.ofMillis(500), Duration.ofSeconds(2))));
            out.println("opened pending=" + outbox.stats().pending());
            List<Thread> burst = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int first = t;
                burst.add(Thread.ofPlatform().start(() -> {
                    for (int i = first; i < count; i += 8) {
                        String id = prefix + "." + i;
                        try {
                            if (outbox.find(id).isEmpty()) {
                                outbox.persist(SampleDrafts.complaint(id, Instant.now()));
                                out.println("persisted " + id);
                            }
                        } catch (Exception e) {
                            out.println("failed " + id + " " + e);
                        }
                    }
                }));
            }
            for (Thread t : burst) {
                t.join();
            }
            out.println("all-persisted");
            out.println(outbox.awaitDrained(Duration.ofSeconds(20)) ? "drained" : "not-drained " + outbox.stats());
        }
    }
}

package cn.hotline.ivr.speech;

import cn.hotline.ivr.flow.IntakeResult.Outcome;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admission control and the threads that run the recognizer. A capture asks {@link #admit} once:
 * it gets a slot at once or a refusal at once (pool full, engine missing or unhealthy), never a
 * wait, so one more caller can never slow down every caller already decoding. Refusals are counted
 * in {@code ivr_speech_admission_rejected_total{reason}}. Recognition runs on this pool's own
 * threads, each call's audio in order, never on the network threads.
 */
public final class DecoderPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DecoderPool.class);

    private final SpeechRecognizer recognizer;
    private final boolean engineRequired;
    private final String noEngineDetail;
    private final Semaphore slots;
    private final int capacity;
    private final ExecutorService threads;
    private final MeterRegistry registry;
    private final AtomicInteger inUse = new AtomicInteger();

    /**
     * @param recognizer     the engine, or null when there is none
     * @param engineRequired when true a missing or unhealthy engine refuses intake; when false a missing
     *                       engine still admits captures that only detect end of speech
     * @param noEngineDetail why there is no engine (for results and logs)
     */
    public DecoderPool(SpeechRecognizer recognizer, boolean engineRequired, String noEngineDetail,
                       int slots, int threads, MeterRegistry registry) {
        this.recognizer = recognizer;
        this.engineRequired = engineRequired;
        this.noEngineDetail = noEngineDetail;
        this.capacity = slots;
        this.slots = new Semaphore(slots);
        this.registry = registry;
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "speech-decoder-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        registry.gauge("ivr.speech.decoders.in.use", inUse);
        registry.gauge("ivr.speech.decoders.capacity", this.slots, s -> capacity);
        // Exported at 0 from the start, so an alert on their rate works before the first refusal.
        REFUSAL_REASONS.forEach(reason -> registry.counter("ivr.speech.admission.rejected", "reason", reason));
    }

    /** Builds the pool the configuration asks for, loading the Vosk model when there is one. */
    public static DecoderPool start(SpeechSettings s, MeterRegistry registry) {
        SpeechRecognizer recognizer = null;
        String detail = "";
        boolean required = s.engine() == SpeechSettings.Engine.VOSK;
        if (s.engine() == SpeechSettings.Engine.NONE) {
            detail = "no recognizer (speech.engine: none)";
        } else if (!required && !Files.isDirectory(s.model())) {
            detail = "no recognizer model";
            log.warn("no Vosk model at {}: captures detect end of speech but transcripts stay empty "
                    + "(run scripts/fetch-model, or set speech.model / IVR_VOSK_MODEL)", s.model());
        } else {
            try {
                recognizer = VoskRecognizer.load(s.model());
            } catch (RecognizerException e) {
                detail = e.getMessage();
                log.error("speech engine unavailable, intake will be skipped: {}", e.getMessage());
                required = true;
            }
        }
        return new DecoderPool(recognizer, required, detail, s.decoders(), s.effectiveDecoderThreads(), registry);
    }

    /** The engine's state, for /ready and the logs. */
    public SpeechRecognizer.Health health() {
        if (recognizer == null) {
            return engineRequired ? SpeechRecognizer.Health.down(noEngineDetail) : SpeechRecognizer.Health.up(noEngineDetail);
        }
        return recognizer.health();
    }

    public boolean hasRecognizer() {
        return recognizer != null;
    }

    public int inUse() {
        return inUse.get();
    }

    /** A slot, or the reason there is none. Never blocks. */
    public record Admission(Slot slot, Outcome refusal, String detail) {
        public boolean admitted() {
            return slot != null;
        }
    }

    public Admission admit() {
        if (recognizer == null) {
            if (engineRequired) {
                return refuse(Outcome.ENGINE_UNAVAILABLE, "engine-unavailable", noEngineDetail);
            }
            return new Admission(new Slot(false), null, noEngineDetail);
        }
        SpeechRecognizer.Health h = recognizer.health();
        if (!h.ok()) {
            return refuse(Outcome.ENGINE_UNAVAILABLE, "engine-unhealthy", h.detail());
        }
        if (!slots.tryAcquire()) {
            return refuse(Outcome.OVERLOADED, "pool-full", "all " + capacity + " decoders busy");
        }
        inUse.incrementAndGet();
        return new Admission(new Slot(true), null, "");
    }

    /** Why admission refuses (the {@code reason} of {@code ivr_speech_admission_rejected_total}). */
    static final List<String> REFUSAL_REASONS = List.of("engine-unavailable", "engine-unhealthy", "pool-full");

    private Admission refuse(Outcome outcome, String reason, String detail) {
        registry.counter("ivr.speech.admission.rejected", "reason", reason).increment();
        return new Admission(null, outcome, detail);
    }

    @Override
    public void close() {
        threads.shutdown();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (recognizer != null) {
            recognizer.close();
        }
    }

    /**
     * One admitted capture: runs its recognition tasks in order on the pool's threads, and gives its
     * decoder back exactly once.
     */
    public final class Slot implements AutoCloseable {
        private final boolean holdsPermit;
        private final AtomicBoolean released = new AtomicBoolean();
        private final Queue<Runnable> tasks = new ArrayDeque<>();
        private boolean running;
        /** The decoder thread running this slot's tasks now (under {@code tasks}), null between them. */
        private Thread drainer;

        private Slot(boolean holdsPermit) {
            this.holdsPermit = holdsPermit;
        }

        /** The engine to open a stream on, or null when captures only detect end of speech. */
        public SpeechRecognizer recognizer() {
            return recognizer;
        }

        public String noEngineDetail() {
            return noEngineDetail;
        }

        /** Runs {@code task} after every task submitted before it, on a decoder thread. */
        public void execute(Runnable task) {
            synchronized (tasks) {
                tasks.add(task);
                if (running) {
                    return;
                }
                running = true;
            }
            threads.execute(this::drain);
        }

        /** Tasks waiting; a growing number means the engine cannot keep up in real time. */
        public int backlog() {
            synchronized (tasks) {
                return tasks.size();
            }
        }

        private void drain() {
            while (true) {
                Runnable next;
                synchronized (tasks) {
                    next = tasks.poll();
                    if (next == null) {
                        running = false;
                        drainer = null;
                        return;
                    }
                    drainer = Thread.currentThread();
                }
                try {
                    next.run();
                } catch (RuntimeException | Error e) {
                    // An Error too (JNA reports a native fault as java.lang.Error): escaping here it would
                    // leave `running` set, so this capture's later tasks (final result, stream close, slot
                    // release) would never run: a recognizer and a decoder slot lost for good.
                    log.error("decoder task failed", e);
                }
            }
        }

        /**
         * Gives the decoder permit back once this capture's tasks have run: a batch recognition its caller
         * stopped waiting for (past its time-out) still holds the CPU, and releasing the permit before it
         * ends would admit one decoder too many each time, exactly when the machine is overloaded.
         */
        @Override
        public void close() {
            if (!holdsPermit || released.get()) {
                return;
            }
            boolean now;
            synchronized (tasks) {
                now = tasks.isEmpty() && (!running || drainer == Thread.currentThread());
                if (!now) {
                    tasks.add(this::releasePermit);
                }
            }
            if (now) {
                releasePermit();
            }
        }

        private void releasePermit() {
            if (released.compareAndSet(false, true)) {
                inUse.decrementAndGet();
                slots.release();
            }
        }
    }
}

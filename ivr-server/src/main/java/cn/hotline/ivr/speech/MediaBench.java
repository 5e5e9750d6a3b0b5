package cn.hotline.ivr.speech;

import cn.hotline.ivr.cli.Args;
import cn.hotline.ivr.flow.CaptureRequest;
import cn.hotline.ivr.flow.IntakeResult;
import cn.hotline.ivr.media.AudioSocketServer;
import cn.hotline.ivr.media.AudioSocketSettings;
import cn.hotline.ivr.media.Pcm;
import cn.hotline.ivr.media.SpeechBounds;
import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.sim.AudioSocketCaller;
import cn.hotline.ivr.sim.AudioSocketCrowd;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * {@code ivr bench media --streams N}: N simulated callers ({@link AudioSocketCrowd}: Asterisk's side,
 * all streams on one thread) stream real speech clips in real time
 * (20 ms frames) through the AudioSocket server and the end-of-speech detector, call after call,
 * with line silence after each clip, until the server ends each stream with 0x00. Measures frames/s,
 * end-of-speech detection delay against each clip's true speech end (as the caller hears the 0x00),
 * prompt-free CPU and heap per stream. No recognizer: this measures the media path; see VoskBench
 * for the engine. The simulated callers run in the same process and are included in the process CPU;
 * the server's own network threads are also reported alone.
 */
public final class MediaBench {
    private MediaBench() {
    }

    record Delay(double p50, double p90, double p99, double max, double mean) {
    }

    record Report(int streams, double seconds, long captures, Map<String, Long> outcomes, long endedBeforeTrueEnd,
                  double framesInPerSecond, double framesOutPerSecond, double expectedFramesInPerSecond,
                  long trailingSilenceMs, Delay detectionDelayMs, Delay delayMinusTrailingMs,
                  double processCpuCores, double serverIoCpuCores, double cpuPercentOfOneCorePerStream,
                  double serverIoCpuPercentOfOneCorePerStream, double heapMbPeak, double heapKbPerStream,
                  Delay callerLateMs, double loadAverageBefore, double loadAverageAfter,
                  int cores, String clips, String notes) {
    }

    public static int run(Args args, PrintStream out, PrintStream err) throws Exception {
        int streams = args.integer("--streams", 100);
        int seconds = args.integer("--duration", 30);
        long trailing = args.longValue("--trailing-silence", VadSettings.defaults().trailingSilence().toMillis());
        double ramp = args.decimal("--ramp", 2.0);
        Path clipsDir = args.path("--clips", defaultClips());
        int callerThreads = args.integer("--caller-threads", 2);
        args.done();
        if (streams < 1 || seconds < 1) {
            err.println("bench media: --streams and --duration must be at least 1");
            return 2;
        }
        List<Clip> clips = loadClips(clipsDir, err);
        if (clips.isEmpty()) {
            err.println("bench media: no usable WAV clips in " + clipsDir + " (pass --clips DIR)");
            return 2;
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SpeechSettings defaults = SpeechSettings.defaults();
        VadSettings vad = defaults.vad().with(Duration.ofSeconds(5), Duration.ofMillis(trailing), Duration.ofSeconds(30));
        SpeechSettings settings = new SpeechSettings(SpeechSettings.Engine.NONE, defaults.model(), streams, 1,
                SpeechSettings.CaptureMode.AUDIOSOCKET, defaults.promptsDir(), defaults.recordDir(), defaults.recordMax(), defaults.resultTimeout(), vad);
        AudioSocketSettings loop = AudioSocketSettings.loopback();
        AudioSocketSettings as = new AudioSocketSettings(loop.bind(), "", loop.maxPayload(), loop.idleTimeout(),
                Duration.ofSeconds(10), streams + 100, 0);
        List<Long> delays = new CopyOnWriteArrayList<>();
        List<Long> late = new CopyOnWriteArrayList<>();
        Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
        AtomicLong early = new AtomicLong();
        AtomicLong captures = new AtomicLong();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        ThreadMXBean threadsBean = ManagementFactory.getThreadMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (AudioSocketServer server = new AudioSocketServer(as, registry).start();
             DecoderPool pool = new DecoderPool(null, false, "benchmark: no recognizer", 1, 1, registry)) {
            AudioSocketIntake intake = new AudioSocketIntake(server, pool, new PromptLibrary(Path.of(".")), settings, registry);
            InetSocketAddress address = server.localAddress();
            AudioSocketCrowd crowd = new AudioSocketCrowd(callerThreads);
            warmUp(intake, pool, address, clips.get(0));
            System.gc();
            long heapBase = memory.getHeapMemoryUsage().getUsed();
            long framesIn0 = (long) registry.counter("ivr.audiosocket.frames.received").count();
            long framesOut0 = (long) registry.counter("ivr.audiosocket.frames.sent").count();
            double loadBefore = os.getSystemLoadAverage();
            long cpu0 = os.getProcessCpuTime();
            long io0 = ioCpu(threadsBean);
            long t0 = System.nanoTime();
            long deadline = t0 + TimeUnit.SECONDS.toNanos(seconds);
            List<Thread> callers = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                int index = i;
                long start = t0 + (long) (ramp * 1e9 * i / streams);
                callers.add(Thread.ofVirtual().name("bench-caller-" + i).start(() -> {
                    sleepUntil(start);
                    int call = 0;
                    while (System.nanoTime() < deadline) {
                        Clip clip = clips.get((index + call++) % clips.size());
                        String callId = "bench-" + index + "-" + call;
                        DecoderPool.Admission a = pool.admit();
                        AudioSocketIntake.Started s = intake.start(callId, request(), a.slot(), null);
                        AudioSocketCaller.Result r;
                        IntakeResult result;
                        try {
                            r = crowd.call(address, s.uuid(), clip.audio(), Duration.ofMillis(
                                    (long) (clip.audio().seconds() * 1000) + trailing + 6000)).get(60, TimeUnit.SECONDS);
                            result = s.capture().result().get(10, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            outcomes.computeIfAbsent("no-result", k -> new AtomicLong()).incrementAndGet();
                            continue;
                        }
                        captures.incrementAndGet();
                        late.add(r.maxLateMs());
                        outcomes.computeIfAbsent(result.outcome().name(), k -> new AtomicLong()).incrementAndGet();
                        if (r.ending() == AudioSocketCaller.Ending.SERVER_HANGUP) {
                            long delay = r.endedMs() - clip.truth().endMillis();
                            if (delay < 0) {
                                early.incrementAndGet();
                            } else {
                                delays.add(delay);
                            }
                        }
                    }
                }));
            }
            long heapPeak = heapBase;
            while (callers.stream().anyMatch(Thread::isAlive)) {
                heapPeak = Math.max(heapPeak, memory.getHeapMemoryUsage().getUsed());
                Thread.sleep(200);
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            double cpu = (os.getProcessCpuTime() - cpu0) / 1e9 / wall;
            double io = (ioCpu(threadsBean) - io0) / 1e9 / wall;
            long framesIn = (long) registry.counter("ivr.audiosocket.frames.received").count() - framesIn0;
            long framesOut = (long) registry.counter("ivr.audiosocket.frames.sent").count() - framesOut0;
            List<Long> sorted = new ArrayList<>(delays);
            Collections.sort(sorted);
            List<Long> lateSorted = new ArrayList<>(late);
            Collections.sort(lateSorted);
            Map<String, Long> outcomeCounts = new TreeMap<>();
            outcomes.forEach((k, v) -> outcomeCounts.put(k, v.get()));
            Report report = new Report(streams, wall, captures.get(), outcomeCounts, early.get(),
                    framesIn / wall, framesOut / wall, streams * 50.0, trailing,
                    delay(sorted, 0), delay(sorted, trailing),
                    cpu, io, 100 * cpu / streams, 100 * io / streams,
                    heapPeak / 1048576.0, (heapPeak - heapBase) / 1024.0 / streams,
                    delay(lateSorted, 0), loadBefore, os.getSystemLoadAverage(),
                    Runtime.getRuntime().availableProcessors(), clips.size() + " clips from " + clipsDir,
                    "delay = when the caller received 0x00 minus the clip's true speech end (SpeechBounds); "
                            + "endedBeforeTrueEnd counts streams ended at a pause inside the clip (excluded from delays); "
                            + "process CPU includes the simulated callers; callerLateMs is how far the simulated callers "
                            + "fell behind real time (a starved machine, not the server); load averages are the whole machine's");
            crowd.close();
            out.println(Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
            return 0;
        }
    }

    private static CaptureRequest request() {
        return new CaptureRequest("", null, null, null, List.of(), t -> { });
    }

    private static void warmUp(AudioSocketIntake intake, DecoderPool pool, InetSocketAddress address, Clip clip) throws Exception {
        AudioSocketIntake.Started s = intake.start("bench-warmup", request(), pool.admit().slot(), null);
        AudioSocketCaller.run(address, s.uuid(), clip.audio(), AudioSocketCaller.Options.defaults().withHangUpAfter(Duration.ofSeconds(15)));
        s.capture().result().get(10, TimeUnit.SECONDS);
    }

    private static Delay delay(List<Long> sorted, long minus) {
        if (sorted.isEmpty()) {
            return new Delay(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double mean = sorted.stream().mapToLong(Long::longValue).average().orElse(0) - minus;
        return new Delay(pct(sorted, 0.50) - minus, pct(sorted, 0.90) - minus, pct(sorted, 0.99) - minus,
                sorted.get(sorted.size() - 1) - minus, mean);
    }

    private static double pct(List<Long> sorted, double p) {
        int i = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    private static long ioCpu(ThreadMXBean bean) {
        long total = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("audiosocket-")) {
                long c = bean.getThreadCpuTime(t.threadId());
                if (c > 0) {
                    total += c;
                }
            }
        }
        return total;
    }

    private static void sleepUntil(long nanoTime) {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(wait);
        }
    }

    record Clip(String name, Pcm audio, SpeechBounds truth) {
    }

    static List<Clip> loadClips(Path dir, PrintStream err) throws IOException {
        List<Clip> clips = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return clips;
        }
        int unreadable = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(x -> x.toString().endsWith(".wav")).sorted().toList()) {
                try {
                    Pcm audio = Pcm.readWav(p).toTelephony();
                    SpeechBounds truth = SpeechBounds.of(audio);
                    if (truth.endMillis() > 0) {
                        clips.add(new Clip(p.getFileName().toString(), audio, truth));
                    }
                } catch (IOException e) {
                    err.println("bench media: skipped " + e.getMessage()); // the message names the file
                    unreadable++;
                }
            }
        }
        if (unreadable > 0) {
            err.println("bench media: " + unreadable + " unreadable clip(s) skipped in " + dir);
        }
        return clips;
    }

    /** The shared speech clips: {@code $IVR_SHARED_DIR/audio/zh}, else {@code ../shared/audio/zh}. */
    static Path defaultClips() {
        String shared = System.getenv("IVR_SHARED_DIR");
        return (shared != null && !shared.isBlank() ? Path.of(shared) : Path.of("..", "shared")).resolve("audio").resolve("zh");
    }
}

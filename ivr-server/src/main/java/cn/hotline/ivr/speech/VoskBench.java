package cn.hotline.ivr.speech;

import cn.hotline.ivr.cli.Args;
import cn.hotline.ivr.flow.CaptureRequest;
import cn.hotline.ivr.media.AudioSocketServer;
import cn.hotline.ivr.media.AudioSocketSettings;
import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.sim.AudioSocketCaller;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ivr bench vosk}: the Vosk engine's cost, needing a model. (1) Direct: each clip fed to one
 * recognizer in 20 ms frames on one thread: real-time factor, and so real-time streams per core.
 * (2) Pipeline: the same clips streamed by simulated callers in real time through AudioSocket, the
 * detector and the decoding pool; the server's CPU outside Vosk (network threads plus decoder-thread
 * time not spent inside Vosk) over the CPU spent inside Vosk is the pipeline's overhead.
 */
public final class VoskBench {
    private VoskBench() {
    }

    record Report(String model, int clips, double audioSeconds, double directCpuSeconds, double directRtf,
                  double realTimeStreamsPerCore, int pipelineStreams, double voskCpuSeconds,
                  double networkCpuSeconds, double decoderThreadCpuSeconds, double pipelineOverheadPercent,
                  double meanCer, String notes) {
    }

    public static int run(Args args, PrintStream out, PrintStream err) throws Exception {
        Path modelDir = args.path("--model", SpeechSettings.defaultModel());
        Path clipsDir = args.path("--clips", MediaBench.defaultClips());
        int streams = args.integer("--streams", Runtime.getRuntime().availableProcessors() * 4);
        int limit = args.integer("--limit", 20);
        args.done();
        if (!Files.isDirectory(modelDir)) {
            err.println("bench vosk: no Vosk model at " + modelDir + " (run scripts/fetch-model, pass --model DIR or set IVR_VOSK_MODEL)");
            return 1;
        }
        List<MediaBench.Clip> clips = MediaBench.loadClips(clipsDir, err);
        clips = clips.subList(0, Math.min(limit, clips.size()));
        if (clips.isEmpty()) {
            err.println("bench vosk: no clips in " + clipsDir);
            return 2;
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (VoskRecognizer vosk = VoskRecognizer.load(modelDir)) {
            // (1) direct
            double audio = 0;
            long cpu0 = threads.getCurrentThreadCpuTime();
            for (MediaBench.Clip c : clips) {
                byte[] pcm = c.audio().toBytes();
                try (SpeechRecognizer.Stream s = vosk.open(List.of())) {
                    for (int off = 0; off + 320 <= pcm.length; off += 320) {
                        s.accept(java.util.Arrays.copyOfRange(pcm, off, off + 320), 320);
                    }
                    s.finish();
                }
                audio += c.audio().seconds();
            }
            double directCpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
            double rtf = directCpu / audio;

            // (2) pipeline, with Vosk's own CPU measured inside the decoder threads
            TimedRecognizer timed = new TimedRecognizer(vosk, threads);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            SpeechSettings d = SpeechSettings.defaults();
            SpeechSettings settings = new SpeechSettings(SpeechSettings.Engine.VOSK, modelDir, streams, 0,
                    SpeechSettings.CaptureMode.AUDIOSOCKET, d.promptsDir(), d.recordDir(), d.recordMax(), Duration.ofSeconds(30), d.vad());
            List<Double> cers = new ArrayList<>();
            long net0 = cpuOf(threads, "audiosocket-");
            long dec0 = cpuOf(threads, "speech-decoder-");
            try (AudioSocketServer server = new AudioSocketServer(AudioSocketSettings.loopback(), registry).start();
                 DecoderPool pool = new DecoderPool(timed, true, "", streams, settings.effectiveDecoderThreads(), registry)) {
                AudioSocketIntake intake = new AudioSocketIntake(server, pool, new PromptLibrary(Path.of(".")), settings, registry);
                List<Thread> callers = new ArrayList<>();
                List<MediaBench.Clip> all = clips;
                for (int i = 0; i < streams; i++) {
                    MediaBench.Clip c = all.get(i % all.size());
                    int n = i;
                    callers.add(Thread.ofVirtual().start(() -> {
                        var a = pool.admit();
                        if (!a.admitted()) {
                            return;
                        }
                        var s = intake.start("vosk-bench-" + n, new CaptureRequest("", null, null, null, List.of(), t -> { }), a.slot(), null);
                        AudioSocketCaller.run(server.localAddress(), s.uuid(), c.audio(),
                                AudioSocketCaller.Options.defaults().withHangUpAfter(Duration.ofSeconds(60)));
                        try {
                            var r = s.capture().result().get(60, TimeUnit.SECONDS);
                            synchronized (cers) {
                                cers.add(Transcriber.cer(reference(clipsDir, c.name()), r.transcript()));
                            }
                        } catch (Exception e) {
                            err.println("bench vosk: " + c.name() + ": " + e);
                        }
                    }));
                }
                for (Thread t : callers) {
                    t.join();
                }
                double net = (cpuOf(threads, "audiosocket-") - net0) / 1e9;
                double dec = (cpuOf(threads, "speech-decoder-") - dec0) / 1e9;
                double voskCpu = timed.nanos.get() / 1e9;
                double overhead = 100 * (net + dec - voskCpu) / voskCpu;
                Report report = new Report(modelDir.toString(), clips.size(), audio, directCpu, rtf, 1 / rtf, streams,
                        voskCpu, net, dec, overhead, cers.stream().mapToDouble(x -> x).average().orElse(Double.NaN),
                        "direct = one thread feeding 20 ms frames to a VoskRecognizer stream (includes its 8 to 16 kHz upsampling); overhead = server CPU outside Vosk / CPU inside Vosk "
                                + "(network threads + decoder threads), simulated callers excluded; CER against transcripts.tsv when present");
                out.println(Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
                return 0;
            }
        }
    }

    private static String reference(Path dir, String file) {
        try {
            for (String line : Files.readAllLines(dir.resolve("transcripts.tsv"))) {
                String[] f = line.split("\t");
                if (f.length >= 2 && f[0].strip().equals(file)) {
                    return f[1].strip();
                }
            }
        } catch (java.io.IOException e) {
            // no references: CER is not reported
        }
        return "";
    }

    private static long cpuOf(ThreadMXBean bean, String prefix) {
        long total = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                total += Math.max(0, bean.getThreadCpuTime(t.threadId()));
            }
        }
        return total;
    }

    /** Measures the CPU spent inside the engine (on the calling decoder thread). */
    private static final class TimedRecognizer implements SpeechRecognizer {
        private final SpeechRecognizer inner;
        private final ThreadMXBean bean;
        final AtomicLong nanos = new AtomicLong();

        TimedRecognizer(SpeechRecognizer inner, ThreadMXBean bean) {
            this.inner = inner;
            this.bean = bean;
        }

        @Override
        public Health health() {
            return inner.health();
        }

        @Override
        public Stream open(List<String> phrases) throws RecognizerException {
            long t = bean.getCurrentThreadCpuTime();
            Stream s = inner.open(phrases);
            nanos.addAndGet(bean.getCurrentThreadCpuTime() - t);
            return new Stream() {
                @Override
                public Update accept(byte[] pcm, int length) throws RecognizerException {
                    long t0 = bean.getCurrentThreadCpuTime();
                    try {
                        return s.accept(pcm, length);
                    } finally {
                        nanos.addAndGet(bean.getCurrentThreadCpuTime() - t0);
                    }
                }

                @Override
                public Transcript finish() throws RecognizerException {
                    long t0 = bean.getCurrentThreadCpuTime();
                    try {
                        return s.finish();
                    } finally {
                        nanos.addAndGet(bean.getCurrentThreadCpuTime() - t0);
                    }
                }

                @Override
                public void close() {
                    s.close();
                }
            };
        }

        @Override
        public void close() {
            // the inner engine is closed by its owner
        }
    }
}

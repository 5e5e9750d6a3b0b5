package cn.hotline.ivr.speech;

import cn.hotline.ivr.ops.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vosk.LibVosk;
import org.vosk.LogLevel;
import org.vosk.Model;
import org.vosk.Recognizer;

/**
 * The Vosk engine (libvosk through JNA): one {@link Model} loaded once and shared by every call, one
 * {@link Recognizer} per call stream, always freed. Streams take 8 kHz telephone audio and feed
 * Vosk at the model's own rate (upsampled: Kaldi refuses a lower input rate, see {@link Upsampler}).
 * Strings cross JNA as UTF-8, or Chinese comes back garbled: the engine refuses to start otherwise.
 */
public final class VoskRecognizer implements SpeechRecognizer {
    private static final Logger log = LoggerFactory.getLogger(VoskRecognizer.class);
    /** acceptWaveForm returns true both at an utterance end and on a native error: this many "ends" in a row with no text is an error. */
    private static final int EMPTY_ENDS_AS_ERROR = 5;
    private static final int TELEPHONE_RATE = 8000;

    private final Model model;
    private final Path modelPath;
    private final int modelRate;
    private final AtomicInteger openStreams = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean modelFreed = new java.util.concurrent.atomic.AtomicBoolean();
    private final EngineHealth engineHealth = new EngineHealth(System::nanoTime);
    private volatile boolean closed;

    VoskRecognizer(Model model, Path modelPath, int modelRate) {
        this.model = model;
        this.modelPath = modelPath;
        this.modelRate = modelRate;
    }

    /** Loads the model at {@code modelDir} (a directory such as models/vosk-model-small-cn-0.22). */
    public static VoskRecognizer load(Path modelDir) throws RecognizerException {
        try {
            requireUtf8();
        } catch (LinkageError e) {
            throw nativeLibraryMissing(e);
        }
        if (!Files.isDirectory(modelDir)) {
            throw new RecognizerException("Vosk model directory not found: " + modelDir
                    + " (run scripts/fetch-model, or set speech.model / IVR_VOSK_MODEL)");
        }
        int rate = modelSampleRate(modelDir);
        if (rate % TELEPHONE_RATE != 0) {
            throw new RecognizerException("Vosk model " + modelDir + " expects " + rate
                    + " Hz audio; only models at a multiple of 8000 Hz (8 or 16 kHz) can take telephone audio");
        }
        try {
            LibVosk.setLogLevel(LogLevel.WARNINGS);
            long t0 = System.nanoTime();
            Model model = new Model(modelDir.toString());
            log.info("Vosk model {} ({} Hz) loaded in {} ms", modelDir, rate, (System.nanoTime() - t0) / 1_000_000);
            return new VoskRecognizer(model, modelDir, rate);
        } catch (IOException | RuntimeException e) {
            throw new RecognizerException("cannot load Vosk model " + modelDir + ": " + e.getMessage(), e);
        } catch (LinkageError e) {
            throw nativeLibraryMissing(e);
        }
    }

    /**
     * JNA's dispatch library or libvosk cannot be loaded: another CPU (the vosk jar carries libvosk for
     * linux-x86-64, win32-x86-64 and darwin only; JNA's own list is longer), or a temp directory mounted
     * noexec (both are unpacked there). JNA's message runs over many lines and names the whole class
     * path, and a second attempt gets NoClassDefFoundError: one line with the way out instead, and the
     * server goes on without an engine rather than stopping on an Error.
     */
    static RecognizerException nativeLibraryMissing(LinkageError e) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("").strip();
        return new RecognizerException("cannot load Vosk's native library on " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch") + " (" + why + "): on a platform the vosk jar has no libvosk for, put one "
                + "built for it in a directory given as -Djna.library.path=DIR (IVR_JAVA_OPTS); if the temp directory "
                + "is mounted noexec, give JNA another with -Djna.tmpdir=DIR", e);
    }

    /**
     * The rate the model's features are computed at ({@code --sample-frequency} in conf/mfcc.conf;
     * Kaldi's default 16000 when absent). Read the way Kaldi's ParseOptions::ReadConfigFile reads it:
     * everything from '#' is a comment (Kaldi recipes write "--sample-frequency=8000 # Switchboard is
     * sampled at 8kHz"), '_' in a name is '-', and the last setting wins.
     */
    static int modelSampleRate(Path modelDir) throws RecognizerException {
        Path conf = modelDir.resolve("conf").resolve("mfcc.conf");
        if (!Files.isRegularFile(conf)) {
            return 16000;
        }
        try {
            int rate = 16000;
            for (String line : Files.readAllLines(conf)) {
                int hash = line.indexOf('#');
                String l = (hash < 0 ? line : line.substring(0, hash)).strip();
                int eq = l.indexOf('=');
                if (l.startsWith("--") && eq > 2
                        && l.substring(2, eq).replace('_', '-').toLowerCase(java.util.Locale.ROOT).equals("sample-frequency")) {
                    rate = (int) Double.parseDouble(l.substring(eq + 1).strip());
                }
            }
            return rate;
        } catch (IOException | NumberFormatException e) {
            throw new RecognizerException(conf + ": --sample-frequency: not a number (" + e.getMessage()
                    + "); is this a Vosk model?", e);
        }
    }

    /**
     * The encoding JNA converts Vosk's char* results with is {@code jna.encoding}, else the JVM's
     * default charset (Native.getDefaultStringEncoding; read when LibVosk registers, which is after
     * this). Native.DEFAULT_ENCODING is only that fallback: checking it let -Djna.encoding=GBK
     * through (every Chinese transcript garbled) and would refuse a correct UTF-8 setting on a JVM
     * whose default charset is another one. So the setting actually used is checked.
     */
    static void requireUtf8() throws RecognizerException {
        if (System.getProperty("jna.encoding") == null) {
            System.setProperty("jna.encoding", "UTF-8");
        }
        String actual = Native.getDefaultStringEncoding();
        if (!isUtf8(actual)) {
            throw new RecognizerException("JNA string encoding is " + actual
                    + ", Chinese transcripts would be garbled: start the JVM with -Djna.encoding=UTF-8");
        }
    }

    private static boolean isUtf8(String encoding) {
        try {
            return java.nio.charset.Charset.forName(encoding).equals(java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public Health health() {
        if (closed) {
            return Health.down("Vosk engine closed");
        }
        String down = engineHealth.downReason();
        if (down != null) {
            return Health.down(down);
        }
        return Health.up("Vosk " + modelPath.getFileName() + ", " + openStreams.get() + " streams open");
    }

    @Override
    public Stream open(List<String> phrases) throws RecognizerException {
        // Counted before the model is used and checked again after, so close() never frees the model
        // between this check and vosk_recognizer_new (which takes its own reference on it).
        openStreams.incrementAndGet();
        if (closed) {
            streamEnded();
            throw new RecognizerException("Vosk engine closed");
        }
        Recognizer recognizer;
        try {
            // Vosk is told the model's own rate and gets audio at that rate (see Upsampler).
            recognizer = phrases.isEmpty()
                    ? new Recognizer(model, (float) modelRate)
                    : new Recognizer(model, (float) modelRate, grammar(phrases));
        } catch (IOException | RuntimeException e) {
            streamEnded();
            failed();
            throw new RecognizerException("cannot create a Vosk recognizer: " + e.getMessage(), e);
        }
        if (recognizer.getPointer() == null) {
            streamEnded();
            failed();
            throw new RecognizerException("Vosk returned no recognizer (phrase list not supported by this model?)");
        }
        recognizer.setWords(true);
        return new VoskStream(recognizer, new Upsampler(modelRate / TELEPHONE_RATE));
    }

    /**
     * Phrase list as Vosk's JSON grammar. Vosk matches grammar words against its lexicon, split at
     * spaces; a Chinese phrase written without spaces would be one unknown "word", so it is split into
     * characters (every character is in the small model's lexicon). A phrase that already contains
     * spaces is taken as segmented by its author. "[unk]" lets anything else come out as unknown
     * instead of being forced onto the nearest phrase.
     */
    static String grammar(List<String> phrases) {
        List<String> all = new ArrayList<>();
        for (String p : phrases) {
            String phrase = p.strip();
            if (!phrase.isEmpty()) {
                all.add(phrase.contains(" ") ? phrase : String.join(" ", phrase.codePoints()
                        .mapToObj(Character::toString).toList()).replaceAll("(?<=[\\x21-\\x7e]) (?=[\\x21-\\x7e])", ""));
            }
        }
        all.add("[unk]");
        return Json.write(all);
    }

    private void failed() {
        engineHealth.failed();
    }

    /**
     * Frees the model once (a second vosk_model_free would drop a reference some recognizer holds, and
     * the model would be deleted under it), and only when no stream is open: one still open at shutdown
     * frees it when it closes.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        int open = openStreams.get();
        if (open > 0) {
            log.warn("closing the Vosk engine with {} streams still open; the model is freed when the last one closes", open);
            return;
        }
        freeModel();
    }

    private void streamEnded() {
        if (openStreams.decrementAndGet() == 0 && closed) {
            freeModel();
        }
    }

    private void freeModel() {
        if (modelFreed.compareAndSet(false, true)) {
            model.close();
        }
    }

    /**
     * Vosk separates Chinese words with spaces ("设定 二十九 度"); a transcript reads without them.
     * Spaces between two Latin/digit tokens are kept.
     */
    static String joinWords(String text) {
        StringBuilder out = new StringBuilder();
        String[] words = text.strip().split("\\s+");
        for (String w : words) {
            if (w.isEmpty() || w.equals("[unk]")) {
                continue;
            }
            if (!out.isEmpty() && isLatin(out.charAt(out.length() - 1)) && isLatin(w.charAt(0))) {
                out.append(' ');
            }
            out.append(w);
        }
        return out.toString();
    }

    private static boolean isLatin(char c) {
        return c < 0x2E80;
    }

    private final class VoskStream implements Stream {
        private final Recognizer recognizer;
        private final Upsampler upsampler;
        private final StringBuilder finished = new StringBuilder();
        private double confidenceSum;
        private int words;
        private int emptyEnds;
        private boolean closedStream;
        private boolean failedStream;

        VoskStream(Recognizer recognizer, Upsampler upsampler) {
            this.recognizer = recognizer;
            this.upsampler = upsampler;
        }

        /** Takes 8 kHz telephone audio, as everywhere in the server. */
        @Override
        public Update accept(byte[] pcm, int length) throws RecognizerException {
            short[] samples = upsampler.accept(pcm, length);
            boolean ended = recognizer.acceptWaveForm(samples, samples.length);
            if (ended) {
                String segment = addSegment(recognizer.getResult());
                emptyEnds = segment.isEmpty() ? emptyEnds + 1 : 0;
                if (emptyEnds >= EMPTY_ENDS_AS_ERROR) {
                    failedStream = true;
                    failed();
                    throw new RecognizerException("Vosk reported " + emptyEnds + " empty utterance ends in a row (native error)");
                }
                return new Update(finished.toString(), true);
            }
            String partial = joinWords(text(recognizer.getPartialResult(), "partial"));
            return new Update(finished + partial, false);
        }

        @Override
        public Transcript finish() {
            short[] tail = upsampler.flush();
            if (tail.length > 0 && recognizer.acceptWaveForm(tail, tail.length)) {
                addSegment(recognizer.getResult());
            }
            addSegment(recognizer.getFinalResult());
            if (!failedStream) {
                engineHealth.succeeded();
            }
            return new Transcript(finished.toString(), words == 0 ? 0 : confidenceSum / words);
        }

        /** Adds a result JSON's words and confidences; returns the segment's text. */
        private String addSegment(String json) {
            try {
                JsonNode node = Json.MAPPER.readTree(json);
                for (JsonNode w : node.path("result")) {
                    if (!"[unk]".equals(w.path("word").asText())) {
                        confidenceSum += w.path("conf").asDouble(0);
                        words++;
                    }
                }
                String segment = joinWords(node.path("text").asText(""));
                finished.append(segment);
                return segment;
            } catch (IOException e) {
                log.warn("unreadable Vosk result ({} chars)", json == null ? 0 : json.length());
                return "";
            }
        }

        private String text(String json, String field) {
            try {
                return Json.MAPPER.readTree(json).path(field).asText("");
            } catch (IOException e) {
                return "";
            }
        }

        @Override
        public void close() {
            if (!closedStream) {
                closedStream = true;
                recognizer.close();
                streamEnded();
            }
        }
    }
}

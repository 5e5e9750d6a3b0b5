package cn.hotline.ivr.sim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One call placed the way Asterisk places it: a FastAGI client that sends Asterisk 22's environment
 * (the 22 variables seen on every call), answers every command as Asterisk does ({@code 200 result=}
 * replies, DTMF on STREAM FILE escape digits and GET DATA, {@code 510} for unknown commands), and can
 * hang up at any moment: the bare {@code HANGUP} line (after the reply of a command under way, which
 * answers -1), {@code 511} for later commands except those res_agi.c runs on a dead channel (GET and
 * SET VARIABLE, EXEC, NOOP, VERBOSE), and the socket left open for the server to close, as
 * PROTOCOLS.md and res_agi.c's run_agi have it.
 *
 * <p>Keys: {@code digits} is consumed left to right; a digit is pressed at the first prompt that
 * accepts it, {@code #} ends a GET DATA entry, and {@code w} lets one interruptible prompt or one
 * GET DATA timeout pass without a key.
 */
public final class SimulatedCall {
    /**
     * Asterisk's sequence counts calls since Asterisk started; each `ivr call` is a process of its own,
     * so the count starts from the process id to keep two invocations in the same second apart.
     */
    private static final AtomicLong SEQUENCE = new AtomicLong(ProcessHandle.current().pid() % 100_000 * 10_000);
    static final String DEAD_CHANNEL = "511 Command Not Permitted on a dead channel or intercept routine";

    /**
     * What the simulated caller and their Asterisk do.
     *
     * @param recordTalk how long the caller speaks into each RECORD FILE before falling silent (then
     *                   Asterisk's silence detection, {@code s=}, ends it); null: they talk until its time limit
     */
    public record Options(
            String callerNumber,
            String dnid,
            String script,
            List<String> arguments,
            String digits,
            long hangupAfterMs,
            Duration promptTime,
            Duration serverTimeout,
            AudioSocketPeer audio,
            Duration recordTalk) {

        public static Options defaults() {
            return new Options("13800138000", "12345", "hotline", List.of(), "", -1, Duration.ZERO,
                    Duration.ofSeconds(30), AudioSocketPeer.SILENT, null);
        }

        public Options withCaller(String n) {
            return new Options(n, dnid, script, arguments, digits, hangupAfterMs, promptTime, serverTimeout, audio, recordTalk);
        }

        public Options withDnid(String n) {
            return new Options(callerNumber, n, script, arguments, digits, hangupAfterMs, promptTime, serverTimeout, audio, recordTalk);
        }

        public Options withScript(String s) {
            return new Options(callerNumber, dnid, s, arguments, digits, hangupAfterMs, promptTime, serverTimeout, audio, recordTalk);
        }

        public Options withArguments(List<String> a) {
            return new Options(callerNumber, dnid, script, a, digits, hangupAfterMs, promptTime, serverTimeout, audio, recordTalk);
        }

        public Options withDigits(String d) {
            return new Options(callerNumber, dnid, script, arguments, d, hangupAfterMs, promptTime, serverTimeout, audio, recordTalk);
        }

        public Options withHangupAfterMs(long ms) {
            return new Options(callerNumber, dnid, script, arguments, digits, ms, promptTime, serverTimeout, audio, recordTalk);
        }

        public Options withPromptTime(Duration t) {
            return new Options(callerNumber, dnid, script, arguments, digits, hangupAfterMs, t, serverTimeout, audio, recordTalk);
        }

        public Options withAudio(AudioSocketPeer a) {
            return new Options(callerNumber, dnid, script, arguments, digits, hangupAfterMs, promptTime, serverTimeout, a, recordTalk);
        }

        public Options withRecordTalk(Duration talk) {
            return new Options(callerNumber, dnid, script, arguments, digits, hangupAfterMs, promptTime, serverTimeout, audio, talk);
        }
    }

    /**
     * Plays the Asterisk side of {@code EXEC AudioSocket uuid,host:port}; returns the application's
     * result code (0 when the server ended the stream, -1 on timeout or failure), or throws
     * {@link CallerHungUp} when the caller hung up during it (Asterisk's application then returns -1 and
     * the AGI session learns of the hang-up).
     */
    @FunctionalInterface
    public interface AudioSocketPeer {
        int run(String uuid, InetSocketAddress server) throws IOException;

        /** A caller that connects and stays silent (answers with silence frames until the server ends it). */
        AudioSocketPeer SILENT = (uuid, server) -> 0;
    }

    /** An {@link AudioSocketPeer}'s caller hung up during the stream: the whole call ends, not just the stream. */
    public static final class CallerHungUp extends IOException {
        public CallerHungUp() {
            super("the caller hung up during AudioSocket");
        }
    }

    /** One command and Asterisk's reply, {@code atMs} after the connection opened. */
    public record Exchange(long atMs, String command, String reply) {
    }

    /**
     * How the call went.
     *
     * @param outcome      {@code completed} (the server ended the AGI session), {@code caller_hangup},
     *                     {@code server_silent} (no command or close within the timeout) or {@code error}
     * @param serverClosed whether the server closed the socket (it always must)
     * @param roundTripsMicros per command: time from our previous reply (or the environment) to this command
     */
    public record Result(
            String callId,
            String outcome,
            Map<String, String> variables,
            List<Exchange> exchanges,
            boolean serverClosed,
            long durationMs,
            String error,
            long[] roundTripsMicros) {
    }

    private final InetSocketAddress server;
    private final Options options;
    private final Consumer<Exchange> listener;
    private final String uniqueId;
    private final long sequence;
    private final Map<String, String> variables = new LinkedHashMap<>();
    private final List<Exchange> exchanges = new ArrayList<>();
    private final Object writeLock = new Object();
    private volatile boolean hungUp;
    /** DTMF queued on this channel from outside the call (AMI PlayDTMF with Receive): RECORD FILE stops on it. */
    private final java.util.concurrent.BlockingQueue<Character> receivedDtmf = new java.util.concurrent.LinkedBlockingQueue<>();
    /** Put on {@link #receivedDtmf} by a hang-up during RECORD FILE: the recording notices at once, as Asterisk's does. */
    private static final char HANGUP_MARK = '\uffff';
    /** A RECORD FILE is running: it notices a hang-up through {@link #receivedDtmf}. */
    private boolean recording;
    /**
     * A command is running: a hang-up now is answered by it first (STREAM FILE, GET DATA, EXEC answer -1),
     * then by the bare HANGUP line, as res_agi.c's run_agi writes it only between commands.
     */
    private boolean inCommand;
    private boolean hangupLineOwed;
    /** Released by the hang-up: a prompt being played stops at once, as Asterisk's ast_waitstream does. */
    private final java.util.concurrent.CountDownLatch hangupSignal = new java.util.concurrent.CountDownLatch(1);
    private int digitIndex;
    private long startNanos;

    public SimulatedCall(InetSocketAddress server, Options options, Consumer<Exchange> listener) {
        this.server = server;
        this.options = options;
        this.listener = listener;
        this.sequence = SEQUENCE.incrementAndGet();
        this.uniqueId = (System.currentTimeMillis() / 1000) + "." + sequence;
    }

    public String uniqueId() {
        return uniqueId;
    }

    /** Asterisk received {@code digit} on this channel as if the caller had pressed it (AMI PlayDTMF Receive). */
    public void receiveDtmf(char digit) {
        receivedDtmf.add(digit);
    }

    /** Whether the caller has hung up (the channel is gone for AMI too). */
    public boolean hungUp() {
        return hungUp;
    }

    /** The caller channel's name, as in {@code agi_channel} and AMI's {@code Channel} header. */
    public String channel() {
        return "PJSIP/trunk-" + String.format("%08x", sequence);
    }

    /** The call never reached the server; the message says why in words. */
    private static final class ConnectFailed extends IOException {
        ConnectFailed(String message) {
            super(message);
        }
    }

    private String hostPort() {
        return server.getHostString() + ":" + server.getPort();
    }

    /** Places the call and returns once the server has closed the connection (or the call failed). */
    public Result run() {
        startNanos = System.nanoTime();
        List<Long> rtts = new ArrayList<>();
        String outcome = "completed";
        String error = null;
        boolean serverClosed = false;
        Thread hangupTimer = null;
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            try {
                socket.connect(server, 5_000);
            } catch (ConnectException e) {
                throw new ConnectFailed("cannot connect to " + hostPort() + ": connection refused (is the server running?)");
            } catch (SocketTimeoutException e) {
                throw new ConnectFailed("cannot connect to " + hostPort() + ": no answer within 5 s (is the address right?)");
            } catch (IOException e) {
                throw new ConnectFailed("cannot connect to " + hostPort() + ": " + e.getMessage());
            }
            socket.setSoTimeout((int) options.serverTimeout().toMillis());
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            write(out, environment());
            if (options.hangupAfterMs() >= 0) {
                hangupTimer = Thread.ofVirtual().start(() -> hangUpLater(out));
            }
            long lastReply = System.nanoTime();
            while (true) {
                String line;
                try {
                    line = in.readLine();
                } catch (SocketTimeoutException e) {
                    outcome = "server_silent";
                    error = "server sent nothing for " + options.serverTimeout().toMillis() + " ms";
                    break;
                }
                if (line == null) {
                    serverClosed = true;
                    break;
                }
                rtts.add((System.nanoTime() - lastReply) / 1_000);
                synchronized (writeLock) {
                    inCommand = true;
                }
                String reply = reply(line);
                synchronized (writeLock) {
                    write(out, reply + "\n");
                    inCommand = false;
                    if (hangupLineOwed) {
                        hangupLineOwed = false;
                        write(out, "HANGUP\n");
                    }
                }
                lastReply = System.nanoTime();
                Exchange exchange = new Exchange(elapsedMs(), line, reply);
                exchanges.add(exchange);
                listener.accept(exchange);
            }
        } catch (ConnectFailed e) {
            outcome = "error";
            error = e.getMessage();
        } catch (IOException e) {
            outcome = "error";
            error = "connection to " + hostPort() + " failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        } finally {
            if (hangupTimer != null) {
                hangupTimer.interrupt();
            }
        }
        if (hungUp && !"error".equals(outcome)) {
            outcome = serverClosed ? "caller_hangup" : outcome;
        }
        long[] rttArray = rtts.stream().mapToLong(Long::longValue).toArray();
        return new Result(uniqueId, outcome, Map.copyOf(variables), List.copyOf(exchanges), serverClosed,
                elapsedMs(), error, rttArray);
    }

    private long elapsedMs() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private void hangUpLater(OutputStream out) {
        try {
            Thread.sleep(options.hangupAfterMs());
            hangUp(out);
        } catch (InterruptedException ignored) {
            // The call ended before the caller would have hung up.
        }
    }

    /** The caller hangs up: Asterisk writes a bare HANGUP line and keeps the socket open. */
    private void hangUp(OutputStream out) {
        synchronized (writeLock) {
            if (hungUp) {
                return;
            }
            hungUp = true;
            hangupSignal.countDown();
            if (recording) {
                receivedDtmf.add(HANGUP_MARK);
            }
            if (inCommand) {
                hangupLineOwed = true;
                return;
            }
            try {
                out.write("HANGUP\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException ignored) {
                // Server already gone.
            }
        }
    }

    private void write(OutputStream out, String text) throws IOException {
        synchronized (writeLock) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private String environment() {
        Map<String, String> env = new LinkedHashMap<>();
        String host = server.getAddress().getHostAddress();
        String query = "";
        env.put("agi_network", "yes");
        env.put("agi_network_script", options.script() + query);
        env.put("agi_request", "agi://" + host + ":" + server.getPort() + "/" + options.script());
        env.put("agi_channel", channel());
        env.put("agi_language", "zh");
        env.put("agi_type", "PJSIP");
        env.put("agi_uniqueid", uniqueId);
        env.put("agi_version", "22.10.1");
        env.put("agi_callerid", options.callerNumber().isEmpty() ? "unknown" : options.callerNumber());
        env.put("agi_calleridname", "unknown");
        env.put("agi_callingpres", "0");
        env.put("agi_callingani2", "0");
        env.put("agi_callington", "0");
        env.put("agi_callingtns", "0");
        env.put("agi_dnid", options.dnid().isEmpty() ? "unknown" : options.dnid());
        env.put("agi_rdnis", "unknown");
        env.put("agi_context", "hotline-12345");
        env.put("agi_extension", options.dnid().isEmpty() ? "s" : options.dnid());
        env.put("agi_priority", "3");
        env.put("agi_enhanced", "0.0");
        env.put("agi_accountcode", "");
        env.put("agi_threadid", String.valueOf(140000000000000L + sequence));
        for (int i = 0; i < options.arguments().size(); i++) {
            env.put("agi_arg_" + (i + 1), options.arguments().get(i));
        }
        StringBuilder sb = new StringBuilder();
        env.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
        return sb.append('\n').toString();
    }

    private String reply(String line) {
        List<String> words = AgiCommandLine.split(line);
        if (words.isEmpty()) {
            return "510 Invalid or unknown command";
        }
        String verb = words.get(0).toUpperCase(Locale.ROOT);
        String verb2 = words.size() > 1 ? verb + " " + words.get(1).toUpperCase(Locale.ROOT) : verb;
        if (hungUp) {
            // res_agi.c runs only the commands its table marks dead-capable on a hung-up channel.
            return switch (verb2) {
                case "GET VARIABLE", "GET FULL" -> getVariable(words);
                case "SET VARIABLE" -> setVariable(words);
                default -> switch (verb) {
                    case "NOOP" -> "200 result=0";
                    case "VERBOSE" -> "200 result=1";
                    case "EXEC" -> "200 result=-1"; // the application finds the channel gone (ast_read fails)
                    default -> DEAD_CHANNEL;
                };
            };
        }
        return switch (verb2) {
            case "STREAM FILE" -> streamFile(words);
            case "GET DATA" -> getData(words);
            case "SET VARIABLE" -> setVariable(words);
            case "GET VARIABLE", "GET FULL" -> getVariable(words);
            case "RECORD FILE" -> recordFile(words);
            case "WAIT FOR" -> "200 result=0";
            case "SET MUSIC", "CHANNEL STATUS" -> verb2.equals("CHANNEL STATUS") ? "200 result=6" : "200 result=0";
            default -> switch (verb) {
                case "ANSWER" -> "200 result=0";
                case "NOOP" -> "200 result=0"; // handle_noop
                case "VERBOSE" -> "200 result=1";
                case "EXEC" -> exec(words);
                case "HANGUP" -> {
                    hangUp(null); // soft hang-up: run_agi then writes the bare HANGUP line after this reply
                    yield "200 result=1";
                }
                default -> "510 Invalid or unknown command";
            };
        };
    }

    private String streamFile(List<String> words) {
        String escape = words.size() > 3 ? words.get(3) : "";
        pause(options.promptTime());
        if (hungUp) {
            return "200 result=-1 endpos=800";
        }
        if (!escape.isEmpty() && digitIndex < options.digits().length()) {
            char next = options.digits().charAt(digitIndex);
            if (next == 'w') {
                digitIndex++;
            } else if (escape.indexOf(next) >= 0) {
                digitIndex++;
                return "200 result=" + (int) next + " endpos=" + 1600;
            }
        }
        return "200 result=0 endpos=" + 8000;
    }

    private String getData(List<String> words) {
        int max = words.size() > 4 ? parseInt(words.get(4), 1024) : 1024;
        pause(options.promptTime());
        if (hungUp) {
            return "200 result=-1";
        }
        // ast_readstring: '#' ends the entry ("200 result=" when pressed alone), max digits complete it,
        // and waiting out the timeout answers what came so far with "(timeout)".
        StringBuilder got = new StringBuilder();
        String digits = options.digits();
        while (got.length() < max) {
            if (digitIndex >= digits.length()) {
                return "200 result=" + got + " (timeout)";
            }
            char c = digits.charAt(digitIndex++);
            if (c == 'w') {
                return "200 result=" + got + " (timeout)";
            }
            if (c == '#') {
                break;
            }
            got.append(c);
        }
        return "200 result=" + got;
    }

    private String setVariable(List<String> words) {
        if (words.size() < 4) {
            return "520 Invalid command syntax.  Proper usage not available.";
        }
        variables.put(words.get(2), words.get(3));
        return "200 result=1";
    }

    private String getVariable(List<String> words) {
        String name = words.size() > 2 ? words.get(2) : "";
        String value = switch (name) {
            case "UNIQUEID" -> uniqueId;
            case "CHANNEL" -> channel();
            case "CALLERID(num)" -> options.callerNumber();
            default -> variables.get(name);
        };
        return value == null ? "200 result=0" : "200 result=1 (" + value + ")";
    }

    private String exec(List<String> words) {
        String app = words.size() > 1 ? words.get(1) : "";
        String args = words.size() > 2 ? words.get(2) : "";
        if (!app.equalsIgnoreCase("AudioSocket")) {
            return "200 result=0";
        }
        int comma = args.indexOf(',');
        if (comma < 0) {
            return "200 result=-1";
        }
        try {
            String hostPort = args.substring(comma + 1);
            int colon = hostPort.lastIndexOf(':');
            InetSocketAddress target = new InetSocketAddress(hostPort.substring(0, colon),
                    Integer.parseInt(hostPort.substring(colon + 1)));
            return "200 result=" + options.audio().run(args.substring(0, comma), target);
        } catch (CallerHungUp e) {
            hangUp(null); // the reply goes first, then the bare HANGUP line
            return "200 result=-1";
        } catch (IOException | RuntimeException e) {
            return "200 result=-1";
        }
    }

    private static int parseInt(String s, int fallback) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /**
     * {@code RECORD FILE file format escape timeout [offset] [BEEP] [s=N]} as res_agi.c's handle_recordfile
     * answers it. The file is opened first ({@code 200 result=-1 (writefile)} at once if it cannot be).
     * The caller talks ({@link Options#recordTalk}; a tone stands for their voice in the file), then is
     * silent. It ends on the first of:
     * <ul>
     *   <li>a DTMF digit among the escape digits, pressed or queued by AMI PlayDTMF Receive (others are
     *       ignored): {@code 200 result=<digit> (dtmf) endpos=N}, the last 200 ms cut off;</li>
     *   <li>{@code s=N} seconds of silence: {@code 200 result=<ms left of the time limit> (timeout) endpos=N},
     *       the silence cut to its last second; the result is what Asterisk's last ast_waitfor returned,
     *       not 0 and not a key;</li>
     *   <li>the time limit: {@code 200 result=0 (timeout) endpos=N};</li>
     *   <li>the caller hanging up: {@code 200 result=-1 (hangup) endpos=N}, then the bare HANGUP line.</li>
     * </ul>
     */
    private String recordFile(List<String> words) {
        if (words.size() < 6) {
            return "520 Invalid command syntax.  Proper usage not available.";
        }
        String escape = words.get(4);
        long limitMs;
        try {
            limitMs = Long.parseLong(words.get(5));
        } catch (NumberFormatException e) {
            return "520 Invalid command syntax.  Proper usage not available.";
        }
        long silenceMs = 0;
        for (int i = 6; i < Math.min(words.size(), 9) && silenceMs == 0; i++) {
            int at = words.get(i).indexOf('s');
            if (at >= 0 && words.get(i).startsWith("s=", at) && words.get(i).length() - at > 2) {
                silenceMs = 1000L * leadingInt(words.get(i).substring(at + 2));
            }
        }
        java.nio.file.Path file = java.nio.file.Path.of(words.get(2) + "." + words.get(3));
        try {
            java.nio.file.Files.write(file, new byte[0]); // ast_writefile: created (or truncated) before recording
        } catch (IOException | RuntimeException e) {
            return "200 result=-1 (writefile)";
        }
        long talkMs = options.recordTalk() == null ? Long.MAX_VALUE : options.recordTalk().toMillis();
        long silenceEndMs = silenceMs > 0 && talkMs < Long.MAX_VALUE ? talkMs + silenceMs : Long.MAX_VALUE;
        long limit = limitMs < 0 ? Long.MAX_VALUE : limitMs;
        long endMs = Math.min(limit, silenceEndMs);
        synchronized (writeLock) {
            if (hungUp) {
                return "200 result=-1 (hangup) endpos=0";
            }
            recording = true;
        }
        long start = System.nanoTime();
        Character key = null;
        try {
            while (key == null) {
                long left = endMs - (System.nanoTime() - start) / 1_000_000;
                if (left <= 0) {
                    break;
                }
                Character c = receivedDtmf.poll(left, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (c != null && (c == HANGUP_MARK || escape.indexOf(c) >= 0)) {
                    key = c;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            synchronized (writeLock) {
                recording = false;
            }
        }
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        long samples = elapsedMs * 8; // 8 kHz
        String reply;
        if (key != null && key == HANGUP_MARK) {
            reply = "200 result=-1 (hangup) endpos=" + samples;
        } else if (key != null) {
            samples = Math.max(0, samples - 1600); // ast_stream_rewind(fs, 200): the key's own tone is cut off
            reply = "200 result=" + (int) key.charValue() + " (dtmf) endpos=" + samples;
        } else if (elapsedMs < limit && silenceEndMs <= limit) {
            samples = Math.max(0, samples - (silenceMs - 1000) * 8); // ast_stream_rewind(fs, silence - 1000)
            reply = "200 result=" + (limitMs < 0 ? 0 : Math.max(1, limit - elapsedMs)) + " (timeout) endpos=" + samples;
        } else {
            reply = "200 result=0 (timeout) endpos=" + samples;
        }
        try {
            new cn.hotline.ivr.media.Pcm(8000, callerAudio((int) Math.min(samples, 8000L * 60), talkMs)).writeWav(file);
        } catch (IOException | RuntimeException e) {
            return "200 result=-1 (writefile)";
        }
        return reply;
    }

    /** What the caller said into a recording: a syllable-like tone while they talk, then silence. */
    private static short[] callerAudio(int samples, long talkMs) {
        short[] pcm = new short[samples];
        long talking = Math.min(samples, talkMs == Long.MAX_VALUE ? samples : talkMs * 8);
        for (int i = 0; i < talking; i++) {
            double t = i / 8000.0;
            double syllables = 0.4 + 0.6 * Math.abs(Math.sin(2 * Math.PI * 2.5 * t));
            pcm[i] = (short) (6000 * syllables * (Math.sin(2 * Math.PI * 220 * t) + 0.5 * Math.sin(2 * Math.PI * 660 * t)) / 1.5);
        }
        return pcm;
    }

    /** C's atoi: the leading digits, 0 when there are none. */
    private static long leadingInt(String s) {
        int end = 0;
        while (end < s.length() && end < 9 && Character.isDigit(s.charAt(end))) {
            end++;
        }
        return end == 0 ? 0 : Long.parseLong(s.substring(0, end));
    }

    /** A prompt playing for {@code d}; a hang-up ends it at once. */
    private void pause(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            hangupSignal.await(d.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

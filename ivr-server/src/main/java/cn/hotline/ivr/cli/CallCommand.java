package cn.hotline.ivr.cli;

import cn.hotline.ivr.media.Pcm;
import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.sim.AudioSocketCaller;
import cn.hotline.ivr.sim.SimulatedCall;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code ivr call --agi HOST:PORT}: places one simulated call, printing each AGI exchange as a JSON
 * line and, last, a JSON summary with the channel variables the server set.
 */
final class CallCommand implements Command {
    /** DTMF keys, and the simulator's {@code w} (let one prompt pass). */
    private static final Pattern DIGITS = Pattern.compile("[0-9*#A-Dw]*");

    @Override
    public String name() {
        return "call";
    }

    @Override
    public String usage() {
        return "call --agi HOST:PORT [--caller NUM] [--dnid NUM] [--digits SEQ] [--hangup-after MS] [--script NAME]"
                + " [--prompt-ms MS] [--wav FILE]   place one simulated call (--wav: what the caller says during intake)";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) {
        InetSocketAddress agi;
        try {
            agi = ConfigFile.parseHostPort(args.required("--agi"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--agi: " + e.getMessage());
        }
        String digits = args.string("--digits", "");
        if (!DIGITS.matcher(digits).matches()) {
            throw new UsageException("--digits: '" + digits + "' is not a key sequence (keys are 0-9 * # A-D;"
                    + " w lets one prompt pass without a key)");
        }
        long hangupAfter = args.longValue("--hangup-after", -1);
        if (hangupAfter < 0 && args.string("--hangup-after", null) != null) {
            throw new UsageException("--hangup-after must be 0 or more milliseconds, got " + hangupAfter);
        }
        long promptMs = args.longValue("--prompt-ms", 0);
        if (promptMs < 0) {
            throw new UsageException("--prompt-ms must be 0 or more milliseconds, got " + promptMs);
        }
        SimulatedCall.Options options = SimulatedCall.Options.defaults()
                .withCaller(args.string("--caller", "13800138000"))
                .withDnid(args.string("--dnid", "12345"))
                .withScript(args.string("--script", "hotline"))
                .withArguments(args.all("--arg"))
                .withDigits(digits)
                .withHangupAfterMs(hangupAfter)
                .withPromptTime(Duration.ofMillis(promptMs));
        Path wav = args.path("--wav", null);
        if (wav != null) {
            if (!Files.isReadable(wav)) {
                throw new UsageException("--wav: cannot read " + wav);
            }
            try {
                Pcm.readWav(wav); // a damaged file is refused now, not found out as a silent caller mid-call
            } catch (IOException e) {
                throw new UsageException("--wav: " + e.getMessage());
            }
            // During intake the caller's voice is this file, streamed in real time in 20 ms frames.
            options = options.withAudio((uuid, server) -> AudioSocketCaller.exec(uuid, server, wav,
                    AudioSocketCaller.Options.defaults()));
        }
        args.done();
        SimulatedCall call = new SimulatedCall(agi, options, exchange -> out.println(Json.write(Map.of(
                "t_ms", exchange.atMs(), "command", exchange.command(), "reply", exchange.reply()))));
        SimulatedCall.Result result = call.run();
        out.println(Json.write(summary(result)));
        return result.error() == null && result.serverClosed() ? 0 : 1;
    }

    /** One line for people: outcome, route and the variables the server set. */
    static String summaryLine(SimulatedCall.Result r) {
        return r.outcome() + ", " + r.exchanges().size() + " AGI commands, " + r.durationMs() + " ms, socket closed by server: "
                + r.serverClosed() + ", variables " + new java.util.TreeMap<>(r.variables());
    }

    static Map<String, Object> summary(SimulatedCall.Result r) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("call_id", r.callId());
        s.put("outcome", r.outcome());
        s.put("server_closed", r.serverClosed());
        s.put("commands", r.exchanges().size());
        s.put("duration_ms", r.durationMs());
        s.put("variables", new java.util.TreeMap<>(r.variables()));
        if (r.error() != null) {
            s.put("error", r.error());
        }
        return s;
    }

}

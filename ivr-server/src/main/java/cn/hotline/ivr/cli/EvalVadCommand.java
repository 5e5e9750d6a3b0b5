package cn.hotline.ivr.cli;

import cn.hotline.ivr.media.Pcm;
import cn.hotline.ivr.ops.ConfigException;
import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.ops.Settings;
import cn.hotline.ivr.speech.VadEvaluation;
import cn.hotline.ivr.speech.VadSettings;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code ivr eval-vad --data DIR}: the end-of-speech detector alone on a folder of WAVs: one line per
 * clip, then the summary as JSON (last line). The detector settings come from {@code --config FILE}
 * ({@code speech.vad.*}) or the defaults, and each can be overridden on the command line to try a value.
 */
final class EvalVadCommand implements Command {
    private static final long MIN_TRAILING_MS = 100;

    @Override
    public String name() {
        return "eval-vad";
    }

    @Override
    public String usage() {
        return "eval-vad --data DIR [--config FILE] [--trailing-silence MS] [--threshold-db DB] [--release-db DB]"
                + " [--min-level-db DB] [--noise-db DBFS] [--tail-ms MS]   end-of-speech detector against each clip's true end";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws IOException {
        Path data = Path.of(args.required("--data"));
        String config = args.string("--config", null);
        VadSettings vad;
        if (config != null) {
            try {
                vad = Settings.load(Path.of(config), System.getenv()).speech().vad();
            } catch (ConfigException e) {
                e.problems().forEach(err::println);
                return 2;
            }
        } else {
            vad = VadSettings.defaults();
        }
        long trailing = args.longValue("--trailing-silence", vad.trailingSilence().toMillis());
        vad = new VadSettings(vad.noInput(), Duration.ofMillis(trailing), vad.maxUtterance(), vad.speechStart(),
                args.decimal("--threshold-db", vad.thresholdDb()),
                args.decimal("--min-level-db", vad.minLevelDb()),
                args.decimal("--release-db", vad.releaseDb()));
        String noise = args.string("--noise-db", null);
        long tail = args.longValue("--tail-ms", trailing + 3000);
        args.done();
        Double noiseDb;
        try {
            noiseDb = noise == null ? null : Double.valueOf(noise);
        } catch (NumberFormatException e) {
            err.println("eval-vad: --noise-db expects a level in dBFS such as -60, got '" + noise + "'");
            return 2;
        }
        if (trailing < MIN_TRAILING_MS || tail < trailing) {
            err.println("eval-vad: --trailing-silence must be at least " + MIN_TRAILING_MS
                    + " ms and --tail-ms at least the trailing silence");
            return 2;
        }
        if (!Files.isDirectory(data)) {
            err.println("eval-vad: no such directory: " + data);
            return 2;
        }
        List<VadEvaluation.Input> inputs = new ArrayList<>();
        int unreadable = 0;
        try (Stream<Path> files = Files.list(data)) {
            for (Path p : files.filter(f -> f.getFileName().toString().toLowerCase().endsWith(".wav")).sorted().toList()) {
                try {
                    inputs.add(new VadEvaluation.Input(p.getFileName().toString(), Pcm.readWav(p).toTelephony()));
                } catch (IOException e) {
                    // The message starts with the file name already.
                    err.println("eval-vad: skipped " + e.getMessage());
                    unreadable++;
                }
            }
        }
        if (inputs.isEmpty()) {
            err.println("eval-vad: no readable WAV files in " + data);
            return 2;
        }
        VadEvaluation.Report report = VadEvaluation.run(inputs, vad, new VadEvaluation.Conditions(noiseDb, tail, 1));
        for (VadEvaluation.Clip c : report.perClip()) {
            out.println(Json.write(c));
        }
        ObjectNode summary = Json.MAPPER.valueToTree(report.summary());
        summary.put("unreadableFiles", unreadable);
        out.println(Json.write(summary));
        return 0;
    }
}

package cn.hotline.ivr.cli;

import cn.hotline.ivr.media.Pcm;
import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.speech.RecognizerException;
import cn.hotline.ivr.speech.SpeechRecognizer;
import cn.hotline.ivr.speech.SpeechSettings;
import cn.hotline.ivr.speech.Transcriber;
import cn.hotline.ivr.speech.VoskRecognizer;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ivr eval-asr --data DIR}: the recognizer on a folder of WAVs with reference transcripts
 * ({@code transcripts.tsv}: file, text[, source]), at the telephone rate a call has: per-clip and
 * mean character error rate, and real-time factor.
 */
final class EvalAsrCommand implements Command {
    @Override
    public String name() {
        return "eval-asr";
    }

    @Override
    public String usage() {
        return "eval-asr --data DIR [--model DIR] [--limit N]   character error rate and real-time factor on DIR/transcripts.tsv + WAVs";
    }

    record Clip(String file, String reference, String hypothesis, double cer, double seconds, double rtf, String error) {
    }

    record Report(String model, int clips, int failed, double meanCer, double corpusCer, double audioSeconds,
                  double decodeSeconds, double rtf, List<Clip> perClip) {
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws IOException {
        Path data = Path.of(args.required("--data"));
        Path modelDir = args.path("--model", SpeechSettings.defaultModel());
        int limit = args.integer("--limit", Integer.MAX_VALUE);
        args.done();
        Path tsv = data.resolve("transcripts.tsv");
        if (!Files.isRegularFile(tsv)) {
            err.println("eval-asr: " + tsv + " not found (expected lines: file<TAB>reference text)");
            return 2;
        }
        if (!Files.isDirectory(modelDir)) {
            err.println("eval-asr: no Vosk model at " + modelDir + " (run scripts/fetch-model, pass --model DIR or set IVR_VOSK_MODEL)");
            return 1;
        }
        List<String[]> rows = new ArrayList<>();
        int lineNo = 0;
        List<String> lines;
        try {
            lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        } catch (IOException e) {
            err.println("eval-asr: " + (e instanceof java.nio.charset.CharacterCodingException
                    ? tsv + ": not UTF-8 text (convert it first, e.g. iconv -f GBK -t UTF-8)" : NluCommands.describe(e)));
            return 2;
        }
        for (String line : lines) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            if (f.length < 2) {
                err.println("eval-asr: " + tsv + ":" + lineNo + ": expected file<TAB>text, skipped");
                continue;
            }
            rows.add(f);
        }
        List<Clip> clips = new ArrayList<>();
        double audioTotal = 0;
        double decodeTotal = 0;
        long edits = 0;
        long refChars = 0;
        try (VoskRecognizer vosk = VoskRecognizer.load(modelDir)) {
            for (String[] row : rows.subList(0, Math.min(limit, rows.size()))) {
                String name = row[0].strip();
                String ref = row[1].strip();
                try {
                    Path wav = data.resolve(name);
                    if (!Files.isRegularFile(wav)) {
                        throw new IOException(wav + ": no such file (listed in " + tsv.getFileName() + ")");
                    }
                    Pcm audio = Pcm.readWav(wav).toTelephony();
                    long t0 = System.nanoTime();
                    SpeechRecognizer.Transcript t = Transcriber.transcribe(vosk, audio, List.of());
                    double decode = (System.nanoTime() - t0) / 1e9;
                    double cer = Transcriber.cer(ref, t.text());
                    int len = (int) ref.codePoints().filter(Character::isLetterOrDigit).count();
                    edits += Math.round(cer * len);
                    refChars += len;
                    audioTotal += audio.seconds();
                    decodeTotal += decode;
                    clips.add(new Clip(name, ref, t.text(), cer, audio.seconds(), decode / audio.seconds(), ""));
                    err.printf("%s\tCER %.3f\t%s%n", name, cer, t.text());
                } catch (IOException e) {
                    // Unreadable audio is skipped: it counts as failed but not into the error rates.
                    clips.add(new Clip(name, ref, "", 1, 0, 0, e.getMessage()));
                    err.println("eval-asr: skipped " + e.getMessage());
                } catch (RecognizerException e) {
                    clips.add(new Clip(name, ref, "", 1, 0, 0, e.getMessage()));
                    err.println("eval-asr: " + name + ": " + e.getMessage());
                }
            }
        } catch (RecognizerException e) {
            err.println("eval-asr: " + e.getMessage());
            return 1;
        }
        List<Clip> ok = clips.stream().filter(c -> c.error().isEmpty()).toList();
        double mean = ok.stream().mapToDouble(Clip::cer).average().orElse(Double.NaN);
        Report report = new Report(modelDir.toString(), clips.size(), clips.size() - ok.size(), mean,
                refChars == 0 ? Double.NaN : edits / (double) refChars, audioTotal, decodeTotal,
                audioTotal == 0 ? Double.NaN : decodeTotal / audioTotal, clips);
        out.println(Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        return ok.size() == clips.size() ? 0 : 1;
    }
}

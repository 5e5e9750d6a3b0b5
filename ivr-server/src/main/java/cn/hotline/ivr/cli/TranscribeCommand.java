package cn.hotline.ivr.cli;

import cn.hotline.ivr.media.Pcm;
import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.speech.SpeechRecognizer;
import cn.hotline.ivr.speech.SpeechSettings;
import cn.hotline.ivr.speech.Transcriber;
import cn.hotline.ivr.speech.VadSettings;
import cn.hotline.ivr.speech.VoiceActivityDetector;
import cn.hotline.ivr.speech.VoskRecognizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** {@code ivr transcribe FILE.wav}: one file through the same 8 kHz path a call takes, JSON out. */
final class TranscribeCommand implements Command {
    @Override
    public String name() {
        return "transcribe";
    }

    @Override
    public String usage() {
        return "transcribe FILE.wav [--model DIR] [--phrases a,b,c] [--no-model]   transcribe a WAV (any rate, resampled to 8 kHz)";
    }

    record Output(String file, double seconds, int sourceRate, long speechStartMs, long speechEndMs,
                  String transcript, double confidence, double decodeSeconds, double rtf, String model, String note) {
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws IOException {
        Path file = Path.of(args.positional(0, "FILE.wav"));
        Path modelDir = args.path("--model", SpeechSettings.defaultModel());
        List<String> phrases = args.all("--phrases").stream()
                .flatMap(p -> Arrays.stream(p.split(","))).map(String::strip).filter(p -> !p.isEmpty()).toList();
        boolean noModel = args.flag("--no-model");
        args.done();
        if (!Files.isRegularFile(file)) {
            err.println("transcribe: no such file: " + file);
            return 2;
        }
        Pcm source;
        try {
            source = Pcm.readWav(file);
        } catch (IOException e) {
            err.println("transcribe: " + e.getMessage());
            return 1;
        }
        Pcm audio = source.toTelephony();
        long[] bounds = speechBounds(audio);
        if (noModel) {
            out.println(Json.write(new Output(file.toString(), audio.seconds(), source.sampleRate(), bounds[0], bounds[1],
                    "", 0, 0, 0, "", "--no-model: end-of-speech detection only")));
            return 0;
        }
        if (!Files.isDirectory(modelDir)) {
            err.println("transcribe: no Vosk model at " + modelDir
                    + " (run scripts/fetch-model, pass --model DIR or set IVR_VOSK_MODEL; --no-model only detects speech)");
            return 1;
        }
        try (VoskRecognizer vosk = VoskRecognizer.load(modelDir)) {
            long t0 = System.nanoTime();
            SpeechRecognizer.Transcript t = Transcriber.transcribe(vosk, audio, phrases);
            double decode = (System.nanoTime() - t0) / 1e9;
            out.println(Json.write(new Output(file.toString(), audio.seconds(), source.sampleRate(), bounds[0], bounds[1],
                    t.text(), t.confidence(), decode, decode / audio.seconds(), modelDir.toString(), "")));
            return 0;
        } catch (cn.hotline.ivr.speech.RecognizerException e) {
            err.println("transcribe: " + e.getMessage());
            return 1;
        }
    }

    /** Speech start and end as the call path's detector sees them (-1 when there is no speech). */
    static long[] speechBounds(Pcm audio8k) {
        VadSettings d = VadSettings.defaults();
        VoiceActivityDetector vad = new VoiceActivityDetector(d.with(Duration.ofHours(1), null, Duration.ofHours(1)));
        byte[] pcm = audio8k.toBytes();
        for (int off = 0; off + 320 <= pcm.length && !vad.done(); off += 320) {
            vad.accept(Arrays.copyOfRange(pcm, off, off + 320));
        }
        return new long[] {vad.speechStartMillis(), vad.speechEndMillis()};
    }
}

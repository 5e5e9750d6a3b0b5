package cn.hotline.ivr.cli;

import cn.hotline.ivr.ops.ConfigException;
import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.understanding.CatalogueException;
import cn.hotline.ivr.understanding.Records;
import cn.hotline.ivr.understanding.Understander;
import cn.hotline.ivr.understanding.UnderstandingSettings;
import cn.hotline.ivr.understanding.Text;
import cn.hotline.ivr.understanding.TextClassifier;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the understanding commands share: file lists, label extraction, the recognizer-like input. */
final class NluCommands {
    /** Recognizer-like input keeps this many characters, as a short spoken description would. */
    static final int RECOGNIZER_CHARS = 100;

    private NluCommands() {
    }

    /** A command body that may meet bad data files. */
    interface Body {
        int run() throws Exception;
    }

    /**
     * Runs a command body and turns bad input into one clear line: a catalogue/rules/model/table
     * problem is exit 2, a bad record under --stop-on-error or an unreadable file exit 1.
     */
    static int guarded(String command, PrintStream err, Body body) throws Exception {
        try {
            return body.run();
        } catch (CatalogueException e) {
            err.println(command + ": " + e.getMessage());
            return 2;
        } catch (Records.BadRecordException e) {
            err.println(command + ": " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println(command + ": " + describe(e));
            return 1;
        }
    }

    /** An I/O failure as "path: reason": file-system exceptions often carry only the path. */
    static String describe(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() == null) {
            return f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile()) + ": " + reason(e);
        }
        return e.getMessage();
    }

    /** Why a file-system call failed, in words, for exceptions whose message is just a path. */
    static String reason(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory (or its parent does not allow creating it)";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "a file of that name is in the way";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Values of a repeatable file option; each value may also list several files separated by commas. */
    static List<Path> paths(List<String> values, String requiredName) {
        List<Path> out = new ArrayList<>();
        for (String v : values) {
            for (String part : v.split(",")) {
                if (!part.isBlank()) {
                    out.add(Path.of(part.strip()));
                }
            }
        }
        if (out.isEmpty() && requiredName != null) {
            throw new UsageException("missing required option " + requiredName);
        }
        return out;
    }

    /** {@code --words on|off} (default on): whether the classifier also uses dictionary words as features. */
    static boolean words(Args args) {
        return either(args, "--words", "on", "off");
    }

    static boolean recognizerInput(Args args) {
        return !either(args, "--input", "full", "recognizer");
    }

    /** An option with two values: true for the first (also the default), false for the second. */
    private static boolean either(Args args, String option, String first, String second) {
        String value = args.string(option, first);
        if (value.equals(first) || value.equals(second)) {
            return value.equals(first);
        }
        throw new UsageException(option + " must be '" + first + "' or '" + second + "', got '" + value + "'");
    }

    static String prepare(String text, boolean recognizerLike) {
        return recognizerLike ? Text.recognizerLike(text, RECOGNIZER_CHARS) : text;
    }

    /** Records with a non-empty {@code label}; says on {@code err} how many had none. */
    static List<TextClassifier.Example> examples(List<Records.Row> rows, String label, boolean recognizerLike,
                                                 PrintStream err) {
        List<TextClassifier.Example> out = new ArrayList<>();
        int missing = 0;
        for (Records.Row r : rows) {
            String value = r.field(label);
            if (value.isEmpty()) {
                missing++;
                continue;
            }
            out.add(new TextClassifier.Example(prepare(r.text(), recognizerLike), value));
        }
        if (missing > 0) {
            err.println(missing + " record(s) without a '" + label + "' value were left out");
        }
        return out;
    }

    /** The Understander a configuration describes; bundled defaults without one. */
    static Understander understander(Path config) throws Exception {
        UnderstandingSettings settings;
        if (config == null) {
            settings = UnderstandingSettings.defaults();
        } else {
            ConfigFile cfg = ConfigFile.load(config, System.getenv());
            settings = UnderstandingSettings.read(cfg);
            if (!cfg.problems().isEmpty()) {
                throw new ConfigException(cfg.problems());
            }
        }
        return Understander.create(settings);
    }

    static List<String> texts(List<Records.Row> rows, boolean recognizerLike) {
        return rows.stream().map(r -> prepare(r.text(), recognizerLike)).toList();
    }
}

package cn.hotline.ivr.speech;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A machine where JNA's native part or libvosk cannot be loaded (another CPU, a temp directory mounted
 * noexec). Run in a separate JVM: a failed native load poisons the classes for the rest of the JVM.
 */
class VoskNativeLibraryTest {

    /** The child: what a server start does with speech.engine auto and a model directory present. */
    public static void main(String[] args) throws Exception {
        SpeechSettings d = SpeechSettings.defaults();
        SpeechSettings s = new SpeechSettings(SpeechSettings.Engine.AUTO, Path.of(args[0]), 2, 1, d.capture(), d.promptsDir(),
                d.recordDir(), d.recordMax(), d.resultTimeout(), d.vad());
        for (int attempt = 1; attempt <= 2; attempt++) {
            try (DecoderPool pool = DecoderPool.start(s, new SimpleMeterRegistry())) {
                System.out.println("health " + pool.health().ok() + " " + pool.health().detail());
            }
        }
    }

    private static String runChild(Path model, List<String> jvmOptions, String classPath) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", classPath, VoskNativeLibraryTest.class.getName(), model.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static Path model(Path dir) throws Exception {
        Path model = dir.resolve("vosk-model-small-cn-0.22");
        Files.createDirectories(model.resolve("conf"));
        Files.writeString(model.resolve("conf/mfcc.conf"), "--sample-frequency=16000\n");
        return model;
    }

    /**
     * JNA's own native part not loadable (here: told not to unpack it from its jar): requireUtf8 touched
     * JNA outside any catch, so the UnsatisfiedLinkError stopped the whole server with a trace, although
     * speech.engine auto is meant to carry on without an engine.
     */
    @Test
    void withoutJnasNativePartTheServerStartsWithoutAnEngineAndSaysWhy(@TempDir Path dir) throws Exception {
        String out = runChild(model(dir), List.of("-Djna.noclasspath=true", "-Djna.nosys=true"),
                System.getProperty("java.class.path"));
        List<String> health = out.lines().filter(l -> l.startsWith("health ")).toList();
        assertEquals(2, health.size(), out);
        for (String h : health) {
            assertTrue(h.startsWith("health false cannot load Vosk's native library on "), out);
            assertTrue(h.contains("-Djna.library.path=DIR") && h.contains("-Djna.tmpdir=DIR"), h);
        }
    }

    /** libvosk missing for the platform (the vosk jar without it), JNA itself fine. */
    @Test
    void withoutLibvoskTheServerStartsWithoutAnEngineAndSaysWhy(@TempDir Path dir) throws Exception {
        Path voskJar = Path.of(org.vosk.Model.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path stripped = dir.resolve("vosk-without-natives.jar");
        try (var in = new java.util.jar.JarFile(voskJar.toFile());
             var out = new java.util.jar.JarOutputStream(Files.newOutputStream(stripped))) {
            for (var e = in.entries(); e.hasMoreElements(); ) {
                var entry = e.nextElement();
                if (entry.getName().endsWith(".class")) {
                    out.putNextEntry(new java.util.jar.JarEntry(entry.getName()));
                    in.getInputStream(entry).transferTo(out);
                    out.closeEntry();
                }
            }
        }
        List<String> cp = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            cp.add(Path.of(entry).toAbsolutePath().equals(voskJar.toAbsolutePath()) ? stripped.toString() : entry);
        }
        assertTrue(cp.contains(stripped.toString()), "the vosk jar is not on the class path: " + cp);
        String out = runChild(model(dir), List.of("-Djna.encoding=UTF-8"), String.join(File.pathSeparator, cp));
        List<String> health = out.lines().filter(l -> l.startsWith("health ")).toList();
        assertEquals(2, health.size(), out);
        for (String h : health) {
            assertTrue(h.startsWith("health false cannot load Vosk's native library on "), out);
        }
    }
}

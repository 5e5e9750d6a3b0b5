package cn.hotline.ivr.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.MDC;

/** ivr-server/config/logback-file.xml: the product's lines in files that cannot grow without bound. */
class LogFilesTest {
    private static final Path CONFIG = Path.of("config/logback-file.xml");

    private static String pattern(String xml) {
        Matcher m = Pattern.compile("<pattern>(.*?)</pattern>", Pattern.DOTALL).matcher(xml);
        assertTrue(m.find(), "no pattern");
        return m.group(1);
    }

    @Test
    void theFileConfigurationWritesTheProductLinesAndBoundsTheirSize(@TempDir Path dir) throws Exception {
        String product;
        try (InputStream in = LogFilesTest.class.getResourceAsStream("/logback.xml")) {
            product = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(pattern(product), pattern(Files.readString(CONFIG)), "the same line format as on standard error");

        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(((LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory()).getMDCAdapter());
        context.putProperty("IVR_LOG_DIR", dir.toString());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(CONFIG.toFile());
        try {
            var appender = (RollingFileAppender<?>) context.getLogger("ROOT").getAppender("FILE");
            var policy = (SizeAndTimeBasedRollingPolicy<?>) appender.getRollingPolicy();
            assertEquals(14, policy.getMaxHistory());
            String xml = Files.readString(CONFIG);
            assertTrue(xml.contains("<maxFileSize>") && xml.contains("<totalSizeCap>"), "each file and all of them bounded");
            try (var c = CallLog.callId("1795448060.1")) {
                context.getLogger("cn.hotline.ivr.flow.HotlineFlow").info("route={} reason={}", "queue", "direct");
            }
            assertEquals(null, MDC.get(CallLog.KEY));
        } finally {
            context.stop();
        }
        List<String> lines = Files.readAllLines(dir.resolve("ivr.log"));
        assertEquals(1, lines.size(), lines + " " + context.getStatusManager().getCopyOfStatusList());
        assertTrue(lines.get(0).matches("\\S+ INFO  \\[1795448060\\.1\\] HotlineFlow - route=queue reason=direct"), lines.get(0));
    }

    @Test
    void itsDirectoryVariableIsNotTakenForAMisspeltOverride() throws Exception {
        Settings.read(ConfigFile.fromYaml("test.yaml", "{}", Path.of("."), Map.of("IVR_LOG_DIR", "/var/log/ivr")));
    }
}

package cn.hotline.ivr.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The product's log line format (src/main/resources/logback.xml): one line per event, whatever the event carries. */
class LogFormatTest {

    private static String productPattern() throws Exception {
        try (InputStream in = LogFormatTest.class.getResourceAsStream("/logback.xml")) {
            String xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = Pattern.compile("<pattern>(.*?)</pattern>", Pattern.DOTALL).matcher(xml);
            assertTrue(m.find(), "no pattern in logback.xml");
            return m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
        }
    }

    private static String format(String message, Throwable thrown) throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.setPattern(productPattern());
        layout.start();
        ch.qos.logback.classic.Logger logger = context.getLogger("cn.hotline.ivr.flow.HotlineFlow");
        LoggingEvent event = new LoggingEvent(LogFormatTest.class.getName(), logger, Level.ERROR, message, thrown, null);
        event.setMDCPropertyMap(Map.of("callId", "1795448060.1"));
        return layout.doLayout(event);
    }

    @Test
    void anExceptionWithItsCauseIsOneLineWithClassMessageAndCause() throws Exception {
        String line = format("call failed", new IllegalStateException("draft refused", new java.io.IOException("disk full")));
        assertEquals(1, line.split("\n", -1).length - 1, "exactly one line: " + line);
        assertTrue(line.contains("ERROR [1795448060.1] HotlineFlow - call failed -- java.lang.IllegalStateException: draft refused"), line);
        assertTrue(line.contains("Caused by: java.io.IOException: disk full"), line);
    }

    @Test
    void aNewlineInsideAMessageCannotStartAForgedLine() throws Exception {
        String line = format("caller said 你好\n2026-12-06 INFO [-] forged", null);
        assertEquals(1, line.split("\n", -1).length - 1, "exactly one line: " + line);
        assertTrue(line.endsWith("caller said 你好 | 2026-12-06 INFO [-] forged" + System.lineSeparator()), line);
    }
}

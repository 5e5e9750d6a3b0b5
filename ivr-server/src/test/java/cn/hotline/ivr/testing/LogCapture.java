package cn.hotline.ivr.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Captures what one class logs, so a test can assert the log line an operator would see. */
public final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Level previous;

    public LogCapture(Class<?> source) {
        logger = (Logger) LoggerFactory.getLogger(source);
        previous = logger.getLevel();
        logger.setLevel(Level.DEBUG);
        appender.start();
        logger.addAppender(appender);
    }

    /** Formatted messages with level and MDC call id: {@code "WARN [callId] message"}. */
    public List<String> lines() {
        List<ILoggingEvent> events;
        synchronized (appender) { // AppenderBase appends under the appender's own lock
            events = new java.util.ArrayList<>(appender.list);
        }
        return events.stream()
                .map(e -> e.getLevel() + " [" + e.getMDCPropertyMap().getOrDefault("callId", "-") + "] "
                        + e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : " +stacktrace"))
                .toList();
    }

    public boolean any(String level, String fragment) {
        return lines().stream().anyMatch(l -> l.startsWith(level) && l.contains(fragment));
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(previous);
    }
}

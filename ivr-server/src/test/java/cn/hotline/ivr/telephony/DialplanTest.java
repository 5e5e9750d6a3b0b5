package cn.hotline.ivr.telephony;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.flow.IntakeLine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The shipped dialplan keeps the contract the server relies on (dialplans/extensions.conf). */
class DialplanTest {
    private static final Path EXTENSIONS = Path.of("..", "dialplans", "extensions.conf");

    private static String extensions() throws Exception {
        assertTrue(Files.isRegularFile(EXTENSIONS), "missing " + EXTENSIONS.toAbsolutePath());
        return Files.readString(EXTENSIONS);
    }

    /** The priorities of one extension in a context, in order ({@code exten => NAME,1,...} then {@code same => n,...}). */
    private static List<String> priorities(String conf, String context, String exten) {
        String body = conf.substring(conf.indexOf("\n[" + context + "]") + 1);
        int next = body.indexOf("\n[", 1);
        body = next < 0 ? body : body.substring(0, next);
        List<String> steps = new ArrayList<>();
        boolean in = false;
        for (String line : body.split("\n")) {
            String l = line.strip();
            if (l.startsWith("exten =>")) {
                in = l.startsWith("exten => " + exten + ",");
                if (in) {
                    steps.add(l.substring(l.indexOf(',', l.indexOf(',') + 1) + 1));
                }
            } else if (in && l.startsWith("same =>")) {
                steps.add(l.substring(l.indexOf(',') + 1));
            }
        }
        return steps;
    }

    @Test
    void theFallbackQueuePriorityIsExactlyTheServersForTheSameSecond() throws Exception {
        List<String> prio = priorities(extensions(), "hotline-queue-prio", "s");
        String formula = prio.stream().filter(p -> p.contains("% ")).findFirst().orElseThrow(() ->
                new AssertionError("no fallback formula in [hotline-queue-prio]: " + prio));
        Matcher m = Pattern.compile("Set\\(QUEUE_PRIO=\\$\\[(\\d+) - \\(\\((\\$\\{.*\\}) - (\\d+)\\) \\* (\\d+)\\) % (\\d+)]\\)")
                .matcher(formula);
        assertTrue(m.find(), formula);
        assertTrue(m.group(2).contains("${EPOCH}") && m.group(2).contains("${HOTLINE_ARRIVED}"), m.group(2));
        long top = Long.parseLong(m.group(1));
        long epoch = Long.parseLong(m.group(3));
        long perSecond = Long.parseLong(m.group(4));
        long span = Long.parseLong(m.group(5));
        for (String at : List.of("2025-01-01T00:00:00Z", "2026-12-06T07:55:01Z", "2031-10-22T12:19:24Z",
                "2031-10-22T12:19:25Z", "2035-03-01T23:59:59Z")) {
            long second = Instant.parse(at).getEpochSecond();
            // Asterisk evaluates this in floating point; its % is fmod, equal to floorMod for these positive values.
            long dialplan = top - ((second - epoch) * perSecond) % span;
            assertEquals(IntakeLine.queuePriority(Instant.ofEpochSecond(second)), dialplan, at);
        }
        assertTrue(prio.get(0).equals("Set(QUEUE_PRIO=${IVR_QUEUE_PRIO})"), "the server's value wins: " + prio);
        assertTrue(priorities(extensions(), "hotline-12345", "_X.").contains("Set(HOTLINE_ARRIVED=${EPOCH})    ; "
                + "arrival, for the queue priority when the server sets none"));
    }

    @Test
    void everyQueueRouteTakesThePriorityAndDraftIdAndEndsAfterItsQueue() throws Exception {
        String conf = extensions();
        for (String route : List.of("queue", "queue-enterprise")) {
            List<String> steps = priorities(conf, "hotline-routes", route);
            assertEquals("Gosub(hotline-queue-prio,s,1)", steps.get(0), route);
            assertTrue(steps.get(1).startsWith("Set(__IVR_DRAFT_ID=${IVR_DRAFT_ID})"), route + ": " + steps);
            assertTrue(steps.get(2).startsWith("Queue("), route + ": " + steps);
            assertFalse(steps.stream().anyMatch(s -> s.startsWith("Goto(queue")),
                    route + " must not fall into another 900 s queue: " + steps);
            assertEquals("Hangup()", steps.get(steps.size() - 1), route);
        }
    }
}

package cn.hotline.ivr.cli;

import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.ops.Settings;
import cn.hotline.ivr.understanding.PersonalData;
import cn.hotline.ivr.workorder.Outbox;
import cn.hotline.ivr.workorder.OutboxSettings;
import cn.hotline.ivr.workorder.Quarantined;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ivr outbox list|show ID|retry ID|retry-dead|purge-delivered}: inspect and repair the durable outbox.
 * Reading works while a server runs; changes are made directly when no server holds the outbox,
 * otherwise they are handed to the running server, which applies them within a second.
 */
final class OutboxCommand implements Command {
    @Override
    public String name() {
        return "outbox";
    }

    @Override
    public String usage() {
        return "outbox list|show ID|retry ID|retry-dead|purge-delivered [--config FILE | --dir DIR] [--json]"
                + "  inspect drafts, retry one or every dead letter, drop delivered drafts";
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        String action = args.positional(0, "action (list, show ID, retry ID, retry-dead, purge-delivered)");
        Path config = args.path("--config", null);
        Path dirOption = args.path("--dir", null);
        boolean json = args.flag("--json");
        String id = switch (action) {
            case "show", "retry" -> args.positional(1, "draft ID");
            case "list", "retry-dead", "purge-delivered" -> null;
            default -> throw new UsageException("unknown action '" + action + "' (list, show ID, retry ID, retry-dead, purge-delivered)");
        };
        args.done();
        if ((config == null) == (dirOption == null)) {
            throw new UsageException("give exactly one of --config FILE or --dir DIR");
        }
        OutboxSettings settings = config != null
                ? Settings.load(config, System.getenv()).outbox()
                : OutboxSettings.defaults(dirOption);
        Path dir = settings.dir();
        try {
            // Every action needs an existing outbox: opening one to repair it would create it (a new
            // empty journal in a mistyped directory) and then report on that instead.
            if (!Outbox.exists(dir)) {
                err.println("outbox: no outbox journal in " + dir + " (check outbox.dir in the configuration or --dir)");
                return 2;
            }
            return switch (action) {
                case "list" -> list(dir, json, out, err);
                case "show" -> show(dir, id, out, err);
                case "retry" -> retry(settings, id, out, err);
                case "retry-dead" -> retryDead(settings, out);
                default -> purgeDelivered(settings, out);
            };
        } catch (IOException e) {
            err.println("outbox: " + e.getMessage());
            return 1;
        }
    }

    private static int list(Path dir, boolean json, PrintStream out, PrintStream err) throws Exception {
        Outbox.Inspection view = Outbox.inspect(dir);
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("entries", view.entries());
            doc.put("quarantined", view.quarantined());
            out.println(Json.write(doc));
            return 0;
        }
        out.printf("%-28s %-9s %8s  %-24s %s%n", "ID", "STATE", "ATTEMPTS", "CREATED", "DETAIL");
        for (Outbox.Entry e : view.entries()) {
            String detail = switch (e.state()) {
                // An error may quote a response body that echoes the draft's numbers.
                case PENDING -> PersonalData.mask(e.lastError());
                case DELIVERED -> e.reference();
                case DEAD -> PersonalData.mask(e.deadReason());
            };
            out.printf("%-28s %-9s %8d  %-24s %s%n", e.id(), e.state(), e.attempts(), e.createdAt(), detail);
        }
        for (Quarantined q : view.quarantined()) {
            out.printf("QUARANTINED %s@%d (%d bytes): %s%n", q.segment(), q.offset(), q.bytes(), q.reason());
        }
        long pending = view.entries().stream().filter(e -> e.state() == Outbox.State.PENDING).count();
        long dead = view.entries().stream().filter(e -> e.state() == Outbox.State.DEAD).count();
        err.println(view.entries().size() + " draft(s): " + pending + " pending, " + dead + " dead letter(s), "
                + view.quarantined().size() + " damaged record(s) in " + dir);
        return 0;
    }

    private static int show(Path dir, String id, PrintStream out, PrintStream err) throws Exception {
        Outbox.Inspection view = Outbox.inspect(dir);
        List<Outbox.Entry> match = view.entries().stream().filter(e -> e.id().equals(id)).toList();
        if (match.isEmpty()) {
            err.println("no draft " + id + " in " + dir + " (never persisted, or delivered and compacted away)");
            return 1;
        }
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.set("outbox", Json.MAPPER.valueToTree(match.get(0)));
        doc.set("draft", Json.MAPPER.valueToTree(view.draft(id).orElseThrow()));
        out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
        return 0;
    }

    /** Requeues a dead letter, or asks the running server to; anything else is refused with its state. */
    private static int retry(OutboxSettings settings, String id, PrintStream out, PrintStream err) throws Exception {
        Optional<Outbox.Entry> entry = Outbox.inspect(settings.dir()).entries().stream().filter(e -> e.id().equals(id)).findFirst();
        if (entry.isEmpty()) {
            err.println("no draft " + id + " in " + settings.dir() + " (see 'ivr outbox list')");
            return 1;
        }
        if (entry.get().state() != Outbox.State.DEAD) {
            err.println("draft " + id + " is " + entry.get().state().name().toLowerCase()
                    + ", not a dead letter: only dead letters can be retried (see 'ivr outbox show " + id + "')");
            return 1;
        }
        Outbox outbox;
        try {
            outbox = Outbox.open(settings, new SimpleMeterRegistry());
        } catch (Outbox.InUseException e) {
            out.println("queued for the running server: " + Outbox.request(settings.dir(), "retry", id));
            return 0;
        }
        try (outbox) {
            if (!outbox.retry(id)) { // changed state since the check above
                err.println("draft " + id + " is not a dead letter (see 'ivr outbox show " + id + "')");
                return 1;
            }
            out.println("requeued " + id + "; the server delivers it when it runs");
            return 0;
        }
    }

    /**
     * Requeues every dead letter: after the cause is fixed (a wrong ticket.token, an outage longer than
     * outbox.max-age) the operator replays them in one step; one still refused comes back as a dead letter.
     */
    private static int retryDead(OutboxSettings settings, PrintStream out) throws Exception {
        List<String> dead = Outbox.inspect(settings.dir()).entries().stream()
                .filter(e -> e.state() == Outbox.State.DEAD).map(Outbox.Entry::id).toList();
        if (dead.isEmpty()) {
            out.println("no dead letters in " + settings.dir());
            return 0;
        }
        Outbox outbox;
        try {
            outbox = Outbox.open(settings, new SimpleMeterRegistry());
        } catch (Outbox.InUseException e) {
            for (String id : dead) {
                Outbox.request(settings.dir(), "retry", id);
            }
            out.println("queued for the running server: retry of " + dead.size() + " dead letter(s)");
            return 0;
        }
        try (outbox) {
            int requeued = 0;
            for (String id : dead) {
                requeued += outbox.retry(id) ? 1 : 0;
            }
            out.println("requeued " + requeued + " dead letter(s); the server delivers them when it runs");
            return 0;
        }
    }

    private static int purgeDelivered(OutboxSettings settings, PrintStream out) throws Exception {
        Outbox outbox;
        try {
            outbox = Outbox.open(settings, new SimpleMeterRegistry());
        } catch (Outbox.InUseException e) {
            out.println("queued for the running server: " + Outbox.request(settings.dir(), "purge-delivered", null));
            return 0;
        }
        try (outbox) {
            out.println("purged " + outbox.purgeDelivered() + " delivered draft(s)");
            return 0;
        }
    }
}

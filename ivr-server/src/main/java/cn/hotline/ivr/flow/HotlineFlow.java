package cn.hotline.ivr.flow;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code hotline} script: answer, the live announcement if switched on, opening hours, the
 * greeting, then straight to the route (the 12345 default: no menu) or through the line's menu.
 * It always hands the caller back to the dialplan with a route: a timeout, a wrong key or a
 * misconfigured menu ends in the fallback route, never in a hang-up.
 */
public final class HotlineFlow {
    /** Channel variables the dialplan reads; documented in dialplans/README.md. */
    public static final String VAR_ROUTE = "IVR_ROUTE";
    public static final String VAR_REASON = "IVR_REASON";
    public static final String VAR_QUEUE = "IVR_QUEUE";
    public static final String VAR_LINE = "IVR_LINE";
    public static final String VAR_KEYS = "IVR_KEYS";
    public static final String VAR_STATUS = "IVR_STATUS";

    private static final Logger log = LoggerFactory.getLogger(HotlineFlow.class);

    private final Supplier<FlowSettings> settings;
    private final Clock clock;

    public HotlineFlow(Supplier<FlowSettings> settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    /** Runs one call to its end on the caller's own thread. */
    public FlowDecision handle(CallSession call, CallChannel channel) throws CallEndedException {
        FlowSettings s = settings.get();
        FlowSettings.Line line = s.lineFor(call);
        channel.answer();
        if (s.announcementEnabled()) {
            channel.play(s.prompt(s.announcementPrompt()), "");
        }
        FlowDecision decision;
        if (!s.hours().isOpen(ZonedDateTime.now(clock))) {
            channel.play(s.prompt(s.closedPrompt()), "");
            decision = new FlowDecision(FlowSettings.ROUTE_CLOSED, "closed", List.of());
        } else if (line.menu() == null) {
            channel.play(s.prompt(line.greeting()), "");
            decision = new FlowDecision(FlowSettings.ROUTE_QUEUE, "direct", List.of());
        } else {
            Menu menu = s.menus().get(line.menu());
            char pressed = channel.play(s.prompt(line.greeting()), escapeDigits(s, menu));
            decision = new MenuWalk(s, channel).walk(menu, pressed);
        }
        finish(channel, s, line, decision);
        return decision;
    }

    private static String escapeDigits(FlowSettings s, Menu menu) {
        StringBuilder digits = new StringBuilder();
        menu.options().keySet().forEach(digits::append);
        if (s.zeroOut() && digits.indexOf("0") < 0) {
            digits.append('0');
        }
        return digits.toString();
    }

    private void finish(CallChannel channel, FlowSettings s, FlowSettings.Line line, FlowDecision decision)
            throws CallEndedException {
        channel.setVariable(VAR_ROUTE, decision.route());
        channel.setVariable(VAR_REASON, decision.reason());
        channel.setVariable(VAR_QUEUE, s.queue());
        channel.setVariable(VAR_LINE, line.name());
        if (!decision.keys().isEmpty()) {
            channel.setVariable(VAR_KEYS, String.join("", decision.keys()));
        }
        channel.setVariable(VAR_STATUS, "OK");
        log.info("route={} reason={} line={} keys={}", decision.route(), decision.reason(), line.name(),
                String.join("", decision.keys()));
    }

    /** One caller's way through the menus: retries, invalid keys, sub-menus and back. */
    private static final class MenuWalk {
        private final FlowSettings s;
        private final CallChannel channel;
        private final List<String> keys = new ArrayList<>();
        private final Deque<Menu> path = new ArrayDeque<>();

        MenuWalk(FlowSettings s, CallChannel channel) {
            this.s = s;
            this.channel = channel;
        }

        FlowDecision walk(Menu start, char pressedDuringGreeting) throws CallEndedException {
            Menu menu = start;
            char pending = pressedDuringGreeting;
            int failures = 0;
            while (true) {
                String input = pending != 0
                        ? String.valueOf(pending)
                        : channel.collectDigits(s.prompt(menu.prompt()), menu.timeout(), 1);
                pending = 0;
                if (input.isEmpty()) {
                    if (++failures > menu.retries()) {
                        return new FlowDecision(menu.fallbackRoute(), "no-input", keys);
                    }
                    channel.play(s.prompt(menu.timeoutPrompt()), "");
                    continue;
                }
                char key = input.charAt(0);
                keys.add(String.valueOf(key));
                if (key == '0' && s.zeroOut()) {
                    return new FlowDecision(FlowSettings.ROUTE_QUEUE, "zero-out", keys);
                }
                Menu.Action action = menu.options().get(key);
                if (action == null) {
                    if (++failures > menu.retries()) {
                        return new FlowDecision(menu.fallbackRoute(), "invalid-input", keys);
                    }
                    channel.play(s.prompt(menu.invalidPrompt()), "");
                    continue;
                }
                failures = 0;
                switch (action) {
                    case Menu.Route r -> {
                        return new FlowDecision(r.route(), "menu", keys);
                    }
                    case Menu.Submenu sub -> {
                        path.push(menu);
                        menu = s.menus().get(sub.menu());
                    }
                    case Menu.Back b -> menu = path.isEmpty() ? menu : path.pop();
                    case Menu.Repeat r -> {
                        // Play the same menu again.
                    }
                }
            }
        }
    }
}

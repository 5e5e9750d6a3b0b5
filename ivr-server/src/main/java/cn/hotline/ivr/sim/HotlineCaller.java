package cn.hotline.ivr.sim;

import cn.hotline.ivr.sim.ami.AmiServerSimulator;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * A whole simulated call through Asterisk: the FastAGI session with the IVR server, then what
 * {@code dialplans/extensions.conf} does with the variables the server set. A queue route joins the
 * simulated agent queue with {@code QUEUE_PRIO = IVR_QUEUE_PRIO}, as {@code [hotline-routes]} does; if
 * the server set no route the caller still goes to the queue (the dialplan fails open).
 */
public final class HotlineCaller {
    /** The AGI part of the call and where the dialplan sent the caller afterwards. */
    public record Outcome(SimulatedCall.Result agi, String route, boolean queued, long arrivedNanos,
                          long queuedNanos) {
        public Optional<String> variable(String name) {
            return Optional.ofNullable(agi.variables().get(name));
        }
    }

    private HotlineCaller() {
    }

    /** Places the call; returns when the AGI session has ended and the caller has joined the queue (if routed there). */
    public static Outcome call(InetSocketAddress agi, SimulatedCall.Options options, AmiServerSimulator asterisk) {
        long arrived = System.nanoTime();
        SimulatedCall call = new SimulatedCall(agi, options, e -> { });
        SimulatedCall.Result r;
        if (asterisk == null) {
            r = call.run();
        } else {
            // While in its AGI script the channel exists for AMI too (PlayDTMF ends a recording), until the caller hangs up.
            try (var live = asterisk.liveChannel(call.channel(), call::receiveDtmf, () -> !call.hungUp())) {
                r = call.run();
            }
        }
        if (!"completed".equals(r.outcome())) {
            return new Outcome(r, "", false, arrived, -1);
        }
        String route = r.variables().getOrDefault("IVR_ROUTE", "");
        boolean toQueue = route.isEmpty() || route.startsWith("queue")
                || (route.equals("emergency") && r.variables().getOrDefault("IVR_EMERGENCY_TARGET", "").isEmpty());
        if (!toQueue || asterisk == null) {
            return new Outcome(r, route, false, arrived, -1);
        }
        int prio = parse(r.variables().getOrDefault("IVR_QUEUE_PRIO", "0"));
        asterisk.callerJoins(call.uniqueId(), call.channel(), options.callerNumber(), prio);
        return new Outcome(r, route, true, arrived, System.nanoTime());
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

}

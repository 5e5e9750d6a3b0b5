package cn.hotline.ivr.telephony;

import cn.hotline.ivr.flow.CallEndedException;
import cn.hotline.ivr.flow.CallSession;
import cn.hotline.ivr.flow.CommandFailedException;
import cn.hotline.ivr.flow.HotlineFlow;
import cn.hotline.ivr.flow.IntakeLine;
import cn.hotline.ivr.ops.CallLog;
import cn.hotline.ivr.understanding.PersonalData;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.asteriskjava.fastagi.AgiChannel;
import org.asteriskjava.fastagi.AgiException;
import org.asteriskjava.fastagi.AgiReader;
import org.asteriskjava.fastagi.AgiRequest;
import org.asteriskjava.fastagi.MappingStrategy;
import org.asteriskjava.fastagi.command.SetVariableCommand;
import org.asteriskjava.fastagi.internal.DefaultAgiChannelFactory;
import org.asteriskjava.fastagi.internal.FastAgiConnectionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FastAGI server: Asterisk connects here once per call.
 *
 * <p>Asterisk-Java speaks the protocol (environment parsing, command encoding, reply parsing,
 * the bare {@code HANGUP} line); this class owns what the library's {@code DefaultAgiServer} gets
 * wrong for a hotline: one virtual thread per call instead of a 500-thread pool that drops call 501,
 * an explicit script map instead of class-name lookup, a peer allowlist, bounded lines and read
 * timeouts, explicit overload signalling, and a socket that is always closed by us.
 */
public final class FastAgiServer implements AutoCloseable {
    /** Set on every call before the script runs or when it cannot run; documented in dialplans/README.md. */
    public static final String STATUS_VARIABLE = "IVR_STATUS";

    private static final Logger log = LoggerFactory.getLogger(FastAgiServer.class);
    /** The library insists on a strategy; scripts are looked up in our own explicit map instead. */
    private static final MappingStrategy NO_LIBRARY_MAPPING = (request, channel) -> null;

    private final AgiSettings settings;
    private final Map<String, CallScript> scripts;
    private final MeterRegistry registry;
    private final Set<InetAddress> allowed;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong active = new AtomicLong();
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong sequence = new AtomicLong();
    private final Map<String, Timer> commandTimers = new ConcurrentHashMap<>();
    private volatile ServerSocket listener;
    private volatile Thread acceptor;

    public FastAgiServer(AgiSettings settings, Map<String, CallScript> scripts, MeterRegistry registry) {
        this.settings = settings;
        this.scripts = Map.copyOf(scripts);
        this.registry = registry;
        this.allowed = Set.copyOf(settings.allowedPeers());
        Gauge.builder("ivr_calls_active", active, AtomicLong::get)
                .description("FastAGI calls in progress")
                .register(registry);
        Gauge.builder("ivr_agi_connections_pending", pending, AtomicLong::get)
                .description("FastAGI connections still sending their AGI environment")
                .register(registry);
        // Every outcome exported from the start at 0: an alert on a rate of errors needs the series to exist
        // before the first error (a counter born at 1 shows no increase).
        CALL_OUTCOMES.forEach(outcome -> callCounter(outcome));
    }

    /** Bucket bounds of {@code ivr_agi_command_seconds}: sub-millisecond replies up to prompts of half a minute. */
    private static final java.time.Duration[] COMMAND_BUCKETS = java.util.stream.LongStream
            .of(1, 2, 5, 10, 50, 100, 500, 1_000, 5_000, 30_000).mapToObj(java.time.Duration::ofMillis)
            .toArray(java.time.Duration[]::new);

    /** How a FastAGI connection can end (the {@code outcome} of {@code ivr_calls_total}). */
    static final java.util.List<String> CALL_OUTCOMES = java.util.List.of("completed", "caller_hangup", "error",
            "no_script", "overload", "protocol_error", "refused", "refused_pending");

    /** Binds and starts accepting; returns once the port is open. */
    public synchronized void start() throws IOException {
        if (listener != null) {
            throw new IllegalStateException("already started");
        }
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(settings.bind(), 4096);
        listener = socket;
        acceptor = Thread.ofPlatform().name("agi-acceptor").daemon(false).start(this::acceptLoop);
        log.info("FastAGI listening on {} for scripts {} (peers allowed: {})",
                socket.getLocalSocketAddress(), scripts.keySet(), settings.allowedPeers());
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** Calls in progress: connections whose environment has been read, until they close. */
    public long activeCalls() {
        return active.get();
    }

    /** Connections accepted whose AGI environment is not complete yet. */
    public long pendingConnections() {
        return pending.get();
    }

    private void acceptLoop() {
        ServerSocket socket = listener;
        while (!socket.isClosed()) {
            Socket connection;
            try {
                connection = socket.accept();
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    log.error("FastAGI accept failed: {}", e.toString());
                }
                continue;
            }
            open.add(connection);
            long n = sequence.incrementAndGet();
            Thread.ofVirtual().name("agi-call-" + n).start(() -> serve(connection));
        }
    }

    private void serve(Socket socket) {
        InetAddress peer = socket.getInetAddress();
        try (socket) {
            if (!allowed.contains(peer)) {
                log.warn("refused FastAGI connection from {}: not listed in agi.allowed-peers", peer.getHostAddress());
                countCall("refused");
                return;
            }
            if (pending.incrementAndGet() > settings.maxPending()) {
                pending.decrementAndGet();
                // Closed without a word: nothing can be said before the environment is read. A real
                // call refused here sees AGISTATUS=SUCCESS and no IVR_ROUTE, and the dialplan queues it.
                log.warn("refused FastAGI connection from {}: {} connections are still sending their AGI "
                        + "environment (agi.max-pending={})", peer.getHostAddress(), settings.maxPending(),
                        settings.maxPending());
                countCall("refused_pending");
                return;
            }
            try (PendingPlace place = new PendingPlace()) {
                socket.setTcpNoDelay(true);
                AgiSocket agiSocket = new AgiSocket(socket, settings.maxLineBytes(),
                        settings.environmentTimeout(), settings.replyTimeout());
                new Connection(agiSocket, peer, place).run();
            }
        } catch (IOException e) {
            log.warn("FastAGI connection from {} failed: {}", peer.getHostAddress(), e.getMessage());
        } catch (RuntimeException | Error e) {
            log.error("FastAGI connection from {} failed unexpectedly: {}", peer.getHostAddress(), e.toString());
            log.debug("FastAGI connection failure", e);
            countCall("error");
        } finally {
            open.remove(socket);
        }
    }

    private Timer commandTimer(String command) {
        return commandTimers.computeIfAbsent(command, name -> Timer.builder("ivr_agi_command")
                .description("Round trip of one AGI command: written to Asterisk until its reply was read")
                .tag("command", name)
                .publishPercentiles(0.5, 0.99)
                // Buckets too: a node's own percentiles cannot be added up across nodes, bucket counts can.
                .serviceLevelObjectives(COMMAND_BUCKETS)
                .register(registry));
    }

    private void countCall(String outcome) {
        callCounter(outcome).increment();
    }

    private Counter callCounter(String outcome) {
        return Counter.builder("ivr_calls_total")
                .description("FastAGI connections by how they ended")
                .tag("outcome", outcome)
                .register(registry);
    }

    /**
     * A connection counted against agi.max-pending until its environment is read (or it fails);
     * released once, whichever comes first.
     */
    private final class PendingPlace implements AutoCloseable {
        private boolean released;

        @Override
        public void close() {
            if (!released) {
                released = true;
                pending.decrementAndGet();
            }
        }
    }

    /** One FastAGI connection: environment, script, cleanup. */
    private final class Connection extends FastAgiConnectionHandler {
        private final AgiSocket socket;
        private final InetAddress peer;
        private final PendingPlace place;

        Connection(AgiSocket socket, InetAddress peer, PendingPlace place) {
            super(NO_LIBRARY_MAPPING, socket, new DefaultAgiChannelFactory());
            this.socket = socket;
            this.peer = peer;
            this.place = place;
        }

        @Override
        public void run() {
            try {
                AgiReader reader = new AgiReplyReader(createReader(), socket);
                AgiRequest request;
                try {
                    request = reader.readRequest();
                } catch (AgiException e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    log.warn("dropped FastAGI connection from {}: {}", peer.getHostAddress(), cause.getMessage());
                    countCall("protocol_error");
                    return;
                } finally {
                    place.close();
                }
                AgiChannel agi = new DefaultAgiChannelFactory().createAgiChannel(request, createWriter(), reader);
                String callId = request.getUniqueId();
                String problem = UniqueId.problem(callId);
                if (!problem.isEmpty()) {
                    // Without a usable call id there is no log id and no draft id: like a truncated environment.
                    log.warn("dropped FastAGI connection from {}: {}", peer.getHostAddress(), problem);
                    countCall("protocol_error");
                    return;
                }
                // Only now a call: a connection still sending its environment takes no call slot.
                active.incrementAndGet();
                try (var ignored = CallLog.callId(callId)) {
                    runCall(request, agi, callId);
                } finally {
                    active.decrementAndGet();
                }
            } finally {
                release();
            }
        }

        private void runCall(AgiRequest request, AgiChannel agi, String callId) {
            long startNanos = System.nanoTime();
            CallSession call = session(request, callId);
            String scriptName = call.script();
            CallScript script = scripts.get(scriptName);
            AgiCallChannel channel = new AgiCallChannel(callId, agi, FastAgiServer.this::commandTimer);
            try {
                if (script == null) {
                    log.warn("no script mapped for '{}' (mapped: {}); the dialplan sees {}=NO_SCRIPT",
                            scriptName, scripts.keySet(), STATUS_VARIABLE);
                    channel.setVariable(STATUS_VARIABLE, "NO_SCRIPT");
                    keepArrivalOrder(channel, call);
                    countCall("no_script");
                    return;
                }
                if (active.get() > settings.maxCalls()) {
                    log.warn("over agi.max-calls={}: call sent straight to the queue with {}=OVERLOAD",
                            settings.maxCalls(), STATUS_VARIABLE);
                    channel.setVariable(STATUS_VARIABLE, "OVERLOAD");
                    keepArrivalOrder(channel, call);
                    countCall("overload");
                    return;
                }
                log.info("call started script={} caller={} dnid={} channel={} peer={}", scriptName,
                        PersonalData.maskNumber(call.callerNumber()), PersonalData.mask(call.dnid()), maskedChannel(call.channel()),
                        peer.getHostAddress());
                script.handle(call, channel);
                log.info("call finished after {} ms", elapsedMs(startNanos));
                countCall("completed");
            } catch (CallEndedException e) {
                log.info("call ended after {} ms: {}", elapsedMs(startNanos), e.getMessage());
                countCall("caller_hangup");
            } catch (CommandFailedException e) {
                // The flow has logged it and taken its fallback; a malformed reply also ends the connection here.
                log.info("call ended after {} ms on a failed AGI command ({})", elapsedMs(startNanos), e.command());
                countCall(e.channelUsable() ? "command_error" : "protocol_error");
            } catch (RuntimeException e) {
                // One line for the operator; the trace is for whoever debugs the bug.
                log.error("call failed after {} ms; the dialplan sees {}=ERROR: {}", elapsedMs(startNanos),
                        STATUS_VARIABLE, e.toString());
                log.debug("call failure", e);
                countCall("error");
                trySetError(agi, call);
            }
        }

        /**
         * The dialplan queues this caller: with the same arrival-ordered priority as every other
         * queued caller, or they would wait behind everyone (an empty priority is Asterisk's lowest).
         */
        private void keepArrivalOrder(AgiCallChannel channel, CallSession call) throws CallEndedException {
            channel.setVariable(HotlineFlow.VAR_QUEUE_PRIO, String.valueOf(IntakeLine.queuePriority(call.started())));
        }

        private void trySetError(AgiChannel agi, CallSession call) {
            try {
                agi.sendCommand(new SetVariableCommand(STATUS_VARIABLE, "ERROR"));
                agi.sendCommand(new SetVariableCommand(HotlineFlow.VAR_QUEUE_PRIO,
                        String.valueOf(IntakeLine.queuePriority(call.started()))));
            } catch (AgiException | RuntimeException ignored) {
                // The channel is gone as well; the dialplan's AGISTATUS covers it.
            }
        }

        private CallSession session(AgiRequest request, String callId) {
            List<String> arguments = new ArrayList<>();
            String[] raw = request.getArguments();
            if (raw != null) {
                arguments.addAll(List.of(raw));
            }
            String script = request.getScript() == null ? "" : request.getScript();
            int query = script.indexOf('?');
            if (query >= 0) {
                script = script.substring(0, query);
            }
            return new CallSession(callId,
                    known(request.getCallerIdNumber()),
                    known(request.getDnid()),
                    known(request.getChannel()),
                    known(request.getLanguage()),
                    known(request.getContext()),
                    known(request.getExtension()),
                    script,
                    arguments,
                    peer,
                    Instant.now());
        }
    }

    private static String known(String value) {
        return value == null || value.equalsIgnoreCase("unknown") ? "" : value;
    }

    private static long elapsedMs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    public boolean isAccepting() {
        ServerSocket socket = listener;
        return socket != null && !socket.isClosed();
    }

    /** Stops accepting new calls; calls in progress continue. */
    public void stopAccepting() {
        ServerSocket socket = listener;
        if (socket != null && !socket.isClosed()) {
            try {
                socket.close();
            } catch (IOException e) {
                log.warn("closing the FastAGI listener: {}", e.toString());
            }
            log.info("FastAGI stopped accepting; {} call(s) in progress", active.get());
        }
    }

    /** Waits up to {@code grace} for calls in progress to end; returns true if they all did. */
    public boolean awaitCalls(Duration grace) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return open.isEmpty();
    }

    /** Stops accepting and closes every connection still open (after the grace period, if any). */
    @Override
    public void close() {
        stopAccepting();
        for (Socket socket : open) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // Closing is best effort: the peer may already be gone.
            }
        }
        Thread t = acceptor;
        if (t != null) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Connections currently open (accepted and not yet closed); for leak checks in tests and ops. */
    public int openConnections() {
        return open.size();
    }


    /**
     * {@code PJSIP/13912345678-0000002a} → {@code PJSIP/139****5678-0000002a}: Local and PJSIP channel
     * names often carry the caller's number; the channel's own sequence suffix stays readable.
     */
    public static String maskedChannel(String channel) {
        String trunk = CallSession.trunkOf(channel);
        return PersonalData.mask(trunk) + channel.substring(trunk.length());
    }
}

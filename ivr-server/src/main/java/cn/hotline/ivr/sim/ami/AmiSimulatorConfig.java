package cn.hotline.ivr.sim.ami;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the simulated Asterisk looks like: one queue, its static members, the AMI account, and how
 * long agents ring and talk. Defaults match the captured Asterisk 22.10.1 set-up (queue
 * {@code 12345-agents}, Alice on {@code Local/agent1@agents}, Bob on {@code Local/agent2@agents},
 * ring 1 s, talk 8 s, a failed login answered after 1 s, {@code read = all}, {@code write = all}).
 */
public record AmiSimulatorConfig(
        String queue,
        String username,
        String secret,
        List<Member> members,
        Duration ringTime,
        Duration talkTime,
        Duration badLoginDelay,
        String read,
        String write) {

    /** A static queue member: {@code member => Local/agent1@agents,0,Alice}. */
    public record Member(String iface, String name) {
    }

    public AmiSimulatorConfig {
        members = List.copyOf(members);
        read = read == null ? "all" : read;
        write = write == null ? "all" : write;
        if (ringTime.isNegative() || talkTime.isNegative()) {
            throw new IllegalArgumentException("ring and talk times must not be negative");
        }
    }

    public static AmiSimulatorConfig defaults() {
        return new AmiSimulatorConfig("12345-agents", "hotline", "hotline123",
                List.of(new Member("Local/agent1@agents", "Alice"), new Member("Local/agent2@agents", "Bob")),
                Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofSeconds(1), "all", "all");
    }

    /** {@code n} members {@code Local/agent1@agents} … named Agent 1 … (for benchmarks). */
    public AmiSimulatorConfig withAgents(int n) {
        List<Member> list = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            list.add(new Member("Local/agent" + i + "@agents", "Agent " + i));
        }
        return new AmiSimulatorConfig(queue, username, secret, list, ringTime, talkTime, badLoginDelay, read, write);
    }

    /** Ring and talk time; a zero talk time keeps the agent on the call until {@code agentHangsUp}. */
    public AmiSimulatorConfig withTiming(Duration ring, Duration talk) {
        return new AmiSimulatorConfig(queue, username, secret, members, ring, talk, badLoginDelay, read, write);
    }

    public AmiSimulatorConfig withBadLoginDelay(Duration delay) {
        return new AmiSimulatorConfig(queue, username, secret, members, ringTime, talkTime, delay, read, write);
    }

    /**
     * The AMI user's {@code read} and {@code write} classes as in manager.conf ({@code "agent"},
     * {@code "call,reporting"}, {@code "all"}): events outside {@code read} are not sent, actions whose
     * authority is outside {@code write} get {@code Permission denied}, as manager.c does.
     */
    public AmiSimulatorConfig withPermissions(String readClasses, String writeClasses) {
        return new AmiSimulatorConfig(queue, username, secret, members, ringTime, talkTime, badLoginDelay, readClasses,
                writeClasses);
    }
}

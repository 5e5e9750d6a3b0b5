package cn.hotline.ivr.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.ops.ConfigException;
import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.ops.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The agent.* and ami.* sections read through the one configuration file. */
class AgentSettingsTest {

    private static Settings read(String yaml, Map<String, String> env) throws ConfigException {
        return Settings.read(ConfigFile.fromYaml("ivr.yaml", yaml, Path.of("."), env));
    }

    @Test
    void tokensAndMembersAreRead() throws Exception {
        Settings s = read("""
                ami:
                  enabled: true
                  host: 10.0.0.5
                  username: hotline
                  secret: hotline123
                  resync-interval: 10s
                agent:
                  enabled: true
                  bind: 0.0.0.0:9090
                  tokens: { agent1: aaaaaaaaaaaaaaaa, agent2: bbbbbbbbbbbbbbbb }
                  members:
                    agent1: Local/agent1@agents
                    agent2: [PJSIP/6002, Bob]
                """, Map.of("IVR_AMI_PORT", "5039"));
        assertEquals(Map.of("agent1", "aaaaaaaaaaaaaaaa", "agent2", "bbbbbbbbbbbbbbbb"), s.agent().tokens());
        assertEquals(List.of("PJSIP/6002", "Bob"), s.agent().members().get("agent2"));
        assertEquals(List.of("Local/agent1@agents"), s.agent().members().get("agent1"));
        assertEquals(9090, s.agent().bind().getPort());
        assertEquals(5039, s.ami().port(), "environment overrides the file");
        assertEquals(Duration.ofSeconds(10), s.ami().resyncInterval());
        assertEquals("12345-agents", s.ami().queue());
        assertFalse(s.ami().toString().contains("hotline123"), "the secret never reaches a log line");
    }

    @Test
    void defaultsNeedNothing() throws Exception {
        Settings s = read("{}", Map.of());
        assertFalse(s.ami().enabled());
        assertFalse(s.agent().enabled());
        assertEquals(8081, s.agent().bind().getPort());
        assertEquals(Duration.ofSeconds(10), s.agent().requestTimeout());
    }

    @Test
    void theRequestTimeoutIsReadAndARangeEnforcedInOneClearLine() throws Exception {
        Settings s = read("""
                agent:
                  tokens: { agent1: token-1234567890 }
                  request-timeout: 2500ms
                """, Map.of());
        assertEquals(Duration.ofMillis(2500), s.agent().requestTimeout());
        for (String bad : List.of("200ms", "10m")) {
            ConfigException e = assertThrows(ConfigException.class, () -> read("""
                    agent:
                      tokens: { agent1: token-1234567890 }
                      request-timeout: %s
                    """.formatted(bad), Map.of()));
            assertEquals("ivr.yaml: agent.request-timeout: must be between 1s and 5m (how long a connection may take"
                    + " to send its request, and a desk its auth message), got " + bad, e.getMessage());
        }
        ConfigException e = assertThrows(ConfigException.class, () -> read("""
                agent:
                  tokens: { agent1: token-1234567890 }
                  request-timeout: soon
                """, Map.of()));
        assertEquals("ivr.yaml: agent.request-timeout: expected a duration with a unit (250ms, 2s, 5m, 1h, 7d), got 'soon'",
                e.getMessage());
    }

    @Test
    void everyProblemIsReportedWithItsKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> read("""
                ami:
                  enabled: true
                  reconnect-min: 10s
                  reconnect-max: 1s
                agent:
                  enabled: true
                  tokens: { agent1: short }
                  members: { agent3: Local/agent3@agents }
                """, Map.of()));
        String all = e.getMessage();
        assertTrue(all.contains("ami.username: required"), all);
        assertTrue(all.contains("ami.secret: required"), all);
        assertTrue(all.contains("ami.reconnect-max: must not be shorter"), all);
        assertTrue(all.contains("agent.tokens.agent1: token must be at least 12 characters"), all);
        assertTrue(all.contains("agent.tokens: no agent can connect"), all);
        assertTrue(all.contains("agent.members.agent3: agent 'agent3' has no token"), all);
    }

    @Test
    void anAgentIdWithADotIsRejectedInOneClearLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> read("""
                agent:
                  tokens: { agent.one: token-1234567890, agent2: token-abcdefghijk }
                """, Map.of()));
        assertEquals("ivr.yaml: agent.tokens: agent id 'agent.one' must not contain '.' (use '-' or '_')", e.getMessage());
    }

    @Test
    void aTokenOrAMemberSharedByTwoAgentsIsRejected() {
        ConfigException e = assertThrows(ConfigException.class, () -> read("""
                agent:
                  tokens: { agent1: token-1234567890, agent2: token-1234567890 }
                  members: { agent1: Local/agent1@agents, agent2: [PJSIP/6002, Local/agent1@agents] }
                """, Map.of()));
        String all = e.getMessage();
        assertTrue(all.contains("ivr.yaml: agent.tokens.agent2: same token as agent 'agent1'"), all);
        assertTrue(all.contains("ivr.yaml: agent.members.agent2: member 'Local/agent1@agents' is already listed under agent 'agent1'"), all);
        assertEquals(2, e.problems().size(), all);
    }

    @Test
    void tokensComeFromTheEnvironmentAndNeverReachALogLine() throws Exception {
        // The file names the agents; the secrets live in the environment.
        Settings s = read("""
                agent:
                  enabled: true
                  tokens: { agent1: set-in-environment, agent-2: set-in-environment-too }
                  origins: [HTTPS://Desk.Hotline.Example:443/, "http://10.0.0.9:8081"]
                """, Map.of("IVR_AGENT_TOKENS_AGENT1", "0123456789abcdef", "IVR_AGENT_TOKENS_AGENT_2", "fedcba9876543210"));
        assertEquals(Map.of("agent1", "0123456789abcdef", "agent-2", "fedcba9876543210"), s.agent().tokens());
        assertFalse(s.agent().toString().contains("0123456789abcdef"), s.agent().toString());
        assertEquals(List.of("https://desk.hotline.example", "http://10.0.0.9:8081"), s.agent().origins());
    }

    @Test
    void anOriginWithAPathIsRejectedInOneClearLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> read("""
                agent:
                  tokens: { agent1: token-1234567890 }
                  origins: [https://desk.example/agent]
                """, Map.of()));
        assertEquals("ivr.yaml: agent.origins: 'https://desk.example/agent' is not an origin: write scheme://host[:port], "
                + "e.g. https://desk.hotline.example (no path)", e.getMessage());
    }
}

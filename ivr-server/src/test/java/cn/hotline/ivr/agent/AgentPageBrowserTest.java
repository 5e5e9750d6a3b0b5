package cn.hotline.ivr.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.sim.ami.AmiServerSimulator;
import cn.hotline.ivr.sim.ami.AmiSimulatorConfig;
import cn.hotline.ivr.telephony.ami.AgentComplete;
import cn.hotline.ivr.telephony.ami.AgentConnect;
import cn.hotline.ivr.telephony.ami.AmiClient;
import cn.hotline.ivr.telephony.ami.AmiSettings;
import cn.hotline.ivr.testing.Await;
import cn.hotline.ivr.testing.HeadlessChromium;
import cn.hotline.ivr.testing.LogCapture;
import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The reference agent page in a real headless Chromium: agent1 opens the page, a simulated caller is
 * answered by agent1 over AMI, and the draft's fields, confidences and evidence appear in the DOM.
 * Saves {@code target/agent-desk.png}.
 */
class AgentPageBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void theDraftAppearsOnTheAnsweringAgentsPage() throws Exception {
        HeadlessChromium.require();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        FakeDraftStore store = new FakeDraftStore();
        AgentSettings settings = AgentSettings.of(new InetSocketAddress("127.0.0.1", 0),
                Map.of("agent1", ScreenPopTest.TOKEN1, "agent2", ScreenPopTest.TOKEN2), Map.of());
        try (AmiServerSimulator sim = AmiServerSimulator.start(AmiSimulatorConfig.defaults()
                     .withTiming(Duration.ofMillis(100), Duration.ZERO), new InetSocketAddress("127.0.0.1", 0));
             AmiClient ami = new AmiClient(AmiSettings.of("127.0.0.1", sim.port(), "hotline", "hotline123",
                     sim.queueName()), registry);
             ScreenPops pops = new ScreenPops(settings, store, registry)) {
            ami.start();
            pops.bind(ami);
            sim.pause("Local/agent2@agents", true, "the call must reach agent1");
            AgentDeskServer server = AgentDeskServer.start(settings, pops);
            try (LogCapture log = new LogCapture(AgentDeskServer.class);
                 HeadlessChromium browser = HeadlessChromium.open(server.pageUrl("agent1", ScreenPopTest.TOKEN1))) {
                browser.waitFor("desk connected", "document.querySelector('#status').dataset.state === 'open'", WAIT);
                // The token was read from the fragment and taken out of the address bar (history, a copied link).
                String href = browser.eval("location.href").asText();
                assertEquals("http://" + server.address().getAddress().getHostAddress() + ":" + server.address().getPort() + "/",
                        href);
                assertEquals("", browser.eval("location.hash").asText());
                // ... and it went to the server in the first message, not in the WebSocket's URL.
                assertTrue(log.lines().stream().noneMatch(l -> l.contains("token in the /desk URL")), log.lines().toString());
                assertTrue(log.any("INFO", "desk connected for agent agent1"), log.lines().toString());
                // A reload of the tab signs in again without the fragment.
                browser.eval("location.reload()");
                Await.until("reloaded desk", WAIT, () -> log.lines().stream()
                        .filter(l -> l.contains("desk connected for agent agent1")).count() == 2);
                browser.waitFor("desk connected after reload", "document.querySelector('#status').dataset.state === 'open'"
                        + " && document.querySelector('#login').hidden", WAIT);
                assertEquals("", browser.eval("location.hash").asText());
                Await.until("AMI ready", WAIT, () -> ami.isConnected() && ami.queueState().synced(sim.queueName()));

                String callId = sim.newUniqueid();
                ScreenPop draft = FakeDraftStore.waterOutage(callId);
                store.drafts.put(callId, draft);
                sim.callerJoins(callId, "Local/13800000001@queue-callers-00000000;2", "13800000001", 0);

                browser.waitFor("the pop", "!document.querySelector('#call').hidden"
                        + " && document.querySelector('#call').dataset.callId === '" + callId + "'"
                        + " && document.querySelectorAll('#fields tbody tr').length > 0", WAIT);
                JsonNode page = browser.eval("""
                        JSON.stringify({
                          values: Object.fromEntries([...document.querySelectorAll('#fields tbody tr')]
                              .map(tr => [tr.dataset.field, tr.querySelector('input').value])),
                          labels: [...document.querySelectorAll('#fields tbody tr')].map(tr => tr.cells[0].textContent),
                          confidence: Object.fromEntries([...document.querySelectorAll('#fields tbody tr')]
                              .map(tr => [tr.dataset.field, tr.cells[2].textContent])),
                          marks: [...document.querySelectorAll('#transcript mark')]
                              .map(m => m.dataset.field + ':' + m.textContent),
                          transcript: document.querySelector('#transcript').textContent,
                          caller: document.querySelector('#caller-number').textContent,
                          draftId: document.querySelector('#draft-id').textContent
                        })""");
                JsonNode shown = cn.hotline.ivr.ops.Json.MAPPER.readTree(page.asText());
                for (ScreenPop.Field f : draft.fields()) {
                    assertEquals(f.value(), shown.path("values").path(f.key()).asText(), "value of " + f.key());
                    assertEquals(Math.round(f.confidence() * 100) + "%", shown.path("confidence").path(f.key()).asText(),
                            "confidence of " + f.key());
                }
                assertEquals(draft.fields().stream().map(ScreenPop.Field::label).toList(),
                        List.of(cn.hotline.ivr.ops.Json.MAPPER.treeToValue(shown.path("labels"), String[].class)));
                assertArrayEquals(new String[] {"topic:停水", "region:朝阳区望京街道", "requestType:一直没人管"},
                        cn.hotline.ivr.ops.Json.MAPPER.treeToValue(shown.path("marks"), String[].class),
                        "evidence highlighted in the transcript");
                assertEquals(draft.transcript(), shown.path("transcript").asText());
                assertEquals("13800000001", shown.path("caller").asText());
                assertEquals("D-" + callId, shown.path("draftId").asText());

                Path shot = Path.of("target", "agent-desk.png");
                browser.screenshot(shot);
                byte[] png = Files.readAllBytes(shot);
                assertTrue(png.length > 1_000, "a real screenshot");
                assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));

                sim.agentHangsUp("Local/agent1@agents");
                browser.waitFor("call ended shown", "!document.querySelector('#ended').hidden", WAIT);
            } finally {
                server.close();
            }
        }
    }

    @Test
    void aWrongTokenIsShownAsRefused() throws Exception {
        HeadlessChromium.require();
        AgentSettings settings = AgentSettings.of(new InetSocketAddress("127.0.0.1", 0),
                Map.of("agent1", ScreenPopTest.TOKEN1), Map.of());
        try (ScreenPops pops = new ScreenPops(settings, new FakeDraftStore(), new SimpleMeterRegistry())) {
            AgentDeskServer server = AgentDeskServer.start(settings, pops);
            try (HeadlessChromium browser = HeadlessChromium.open(server.pageUrl("agent1", "not-the-token"))) {
                browser.waitFor("refusal", "document.querySelector('#status').dataset.state === 'refused'", WAIT);
                assertTrue(browser.eval("document.querySelector('#status').textContent").asText()
                        .contains("invalid token for agent 'agent1'"));
                assertTrue(browser.eval("!document.querySelector('#login').hidden").asBoolean(), "login form offered");
            } finally {
                server.close();
            }
        }
    }

    private static final String MARKUP = "<img src=x onerror=\"window.__xss=(window.__xss||0)+1\">"
            + "<script>window.__xss=1</script>\"><svg onload=\"window.__xss=1\">";

    private static AgentConnect answered(String callId, String callerNumber) {
        return new AgentConnect("12345-agents", callId, "Local/" + callerNumber + "@queue-callers;2", callerNumber,
                "Local/agent1@agents", "Alice", "Local/agent1@agents;1", Duration.ofSeconds(3), Duration.ofSeconds(1),
                Instant.now(), System.nanoTime());
    }

    @Test
    void whatTheCallerSaidIsShownAsTextNeverAsMarkup() throws Exception {
        HeadlessChromium.require();
        FakeDraftStore store = new FakeDraftStore();
        AgentSettings settings = AgentSettings.of(new InetSocketAddress("127.0.0.1", 0),
                Map.of("agent1", ScreenPopTest.TOKEN1), Map.of());
        try (ScreenPops pops = new ScreenPops(settings, store, new SimpleMeterRegistry())) {
            AgentDeskServer server = AgentDeskServer.start(settings, pops);
            try (HeadlessChromium browser = HeadlessChromium.open(server.pageUrl("agent1", ScreenPopTest.TOKEN1))) {
                browser.waitFor("desk connected", "document.querySelector('#status').dataset.state === 'open'", WAIT);
                String callId = "1795449623.9";
                String transcript = "我要投诉" + MARKUP + "在朝阳区";
                // Recognised words, the summary and slots built from them, even the caller id (a SIP From header)
                // are the caller's: each one carries markup here.
                store.drafts.put(callId, new ScreenPop(callId, "D-" + MARKUP, MARKUP, "", transcript, 0.5,
                        "completed " + MARKUP, false, List.of(
                        new ScreenPop.Field("summary", "摘要", "投诉" + MARKUP, "", 0.9, List.of()),
                        new ScreenPop.Field("address", MARKUP, MARKUP, "", 0.6, List.of(new ScreenPop.Span(4, 4 + MARKUP.length()))))));
                pops.agentConnected(answered(callId, MARKUP));
                browser.waitFor("the pop", "document.querySelectorAll('#fields tbody tr').length === 2", WAIT);
                Thread.sleep(500);   // time for an injected image to fail and its handler to run

                assertEquals(0, browser.eval("document.querySelectorAll('img, svg, iframe, object').length").asInt(),
                        "no element made from the caller's words");
                assertEquals(1, browser.eval("document.scripts.length").asInt(), "desk.js only");
                assertTrue(browser.eval("window.__xss === undefined").asBoolean(), "no handler ran");
                assertEquals(transcript, browser.eval("document.querySelector('#transcript').textContent").asText());
                assertEquals(MARKUP, browser.eval("document.querySelector('#transcript mark').textContent").asText(),
                        "the evidence is highlighted as text too");
                assertEquals(MARKUP, browser.eval("document.querySelector('#caller-number').textContent").asText());
                assertEquals("投诉" + MARKUP, browser.eval("document.querySelector('#field-summary').value").asText());
                assertEquals(MARKUP, browser.eval("document.querySelector('tr[data-field=address] td').textContent").asText());
                assertEquals("completed " + MARKUP, browser.eval("document.querySelector('#intake').textContent").asText());
            } finally {
                server.close();
            }
        }
    }

    @Test
    void theDeskReconnectsAfterTheServerRestartsAndCatchesUpWithWhatItMissed() throws Exception {
        HeadlessChromium.require();
        FakeDraftStore store = new FakeDraftStore();
        AgentSettings first = AgentSettings.of(new InetSocketAddress("127.0.0.1", 0),
                Map.of("agent1", ScreenPopTest.TOKEN1), Map.of());
        try (ScreenPops pops = new ScreenPops(first, store, new SimpleMeterRegistry())) {
            AgentDeskServer server = AgentDeskServer.start(first, pops);
            AgentSettings samePort = AgentSettings.of(server.address(), Map.of("agent1", ScreenPopTest.TOKEN1), Map.of());
            String open = "document.querySelector('#status').dataset.state === 'open'";
            try (HeadlessChromium browser = HeadlessChromium.open(server.pageUrl("agent1", ScreenPopTest.TOKEN1))) {
                browser.waitFor("desk connected", open, WAIT);
                String a = "1795449623.10";
                store.drafts.put(a, FakeDraftStore.waterOutage(a));
                pops.agentConnected(answered(a, "13800000001"));
                browser.waitFor("call A", "document.querySelector('#call').dataset.callId === '" + a + "'", WAIT);

                // The desk server goes away; the call ends while the desk cannot hear it.
                server.close();
                browser.waitFor("the page says it is reconnecting", "document.querySelector('#status').dataset.state === 'closed'"
                        + " && document.querySelector('#status').textContent.includes('重连')", WAIT);
                pops.agentCompleted(new AgentComplete("12345-agents", a, "Local/agent1@agents", "Alice",
                        Duration.ofSeconds(3), Duration.ofSeconds(20), "caller"));
                server = AgentDeskServer.start(samePort, pops);
                browser.waitFor("desk back", open, WAIT);
                browser.waitFor("call A shown as ended", "!document.querySelector('#ended').hidden", WAIT);

                // Away again: the next call is answered meanwhile, and its pop is there when the desk is back.
                server.close();
                browser.waitFor("disconnected", "document.querySelector('#status').dataset.state !== 'open'", WAIT);
                String b = "1795449623.11";
                store.drafts.put(b, FakeDraftStore.waterOutage(b));
                pops.agentConnected(answered(b, "13800000002"));
                server = AgentDeskServer.start(samePort, pops);
                browser.waitFor("call B after reconnecting", "document.querySelector('#call').dataset.callId === '" + b + "'"
                        + " && document.querySelector('#ended').hidden && document.querySelector('#draft-id').textContent === 'D-" + b + "'",
                        WAIT);
            } finally {
                server.close();
            }
        }
    }

    @Test
    void aDeskWhoseLinkGoesSilentNoticesAndReconnects() throws Exception {
        HeadlessChromium.require();
        FakeDraftStore store = new FakeDraftStore();
        AgentSettings settings = AgentSettings.of(new InetSocketAddress("127.0.0.1", 0),
                Map.of("agent1", ScreenPopTest.TOKEN1), Map.of()).withKeepalive(Duration.ofSeconds(1));
        try (ScreenPops pops = new ScreenPops(settings, store, new SimpleMeterRegistry())) {
            AgentDeskServer server = AgentDeskServer.start(settings, pops);
            try (StallingRelay network = new StallingRelay(server.address());
                 HeadlessChromium browser = HeadlessChromium.open("http://127.0.0.1:" + network.port()
                         + "/#agent=agent1&token=" + ScreenPopTest.TOKEN1)) {
                browser.waitFor("desk connected", "document.querySelector('#status').dataset.state === 'open'", WAIT);
                network.stallOpenLinks();   // no FIN, no RST: the socket still looks open to the browser
                String callId = "1795449623.12";
                store.drafts.put(callId, FakeDraftStore.waterOutage(callId));
                pops.agentConnected(answered(callId, "13800000001"));
                browser.waitFor("the pop, over a new link", "document.querySelector('#call').dataset.callId === '" + callId + "'",
                        WAIT);
            } finally {
                server.close();
            }
        }
    }

    @Test
    void desksCutOffTogetherComeBackSpreadOverTheirBackOff() throws Exception {
        HeadlessChromium.require();
        AgentSettings settings = AgentSettings.of(new InetSocketAddress("127.0.0.1", 0),
                Map.of("agent1", ScreenPopTest.TOKEN1), Map.of());
        try (ScreenPops pops = new ScreenPops(settings, new FakeDraftStore(), new SimpleMeterRegistry())) {
            AgentDeskServer server = AgentDeskServer.start(settings, pops);
            try (HeadlessChromium browser = HeadlessChromium.open(server.pageUrl("agent1", ScreenPopTest.TOKEN1))) {
                browser.waitFor("desk connected", "document.querySelector('#status').dataset.state === 'open'", WAIT);
                // The page's timers, recorded; its random draw fixed at the low end of the spread.
                browser.eval("window.waits = []; const plain = window.setTimeout; Math.random = () => 0;"
                        + " window.setTimeout = (f, ms, ...rest) => { window.waits.push(ms); return plain(f, ms, ...rest); }; true");
                server.close();
                // The first back-off is 500 ms; this page waits half of it, another page up to all of it.
                browser.waitFor("the reconnect is planned at half the back-off", "window.waits.includes(250)", WAIT);
            } finally {
                server.close();
            }
        }
    }
}

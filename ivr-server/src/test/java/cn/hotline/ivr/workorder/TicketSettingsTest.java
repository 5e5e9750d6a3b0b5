package cn.hotline.ivr.workorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.ops.ConfigProblem;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TicketSettingsTest {
    private static final String SECRET = "s3cr3t-Token_value";

    private record Read(TicketSettings settings, List<String> problems) {
    }

    private static Read read(String ticketYaml, Map<String, String> env) throws Exception {
        ConfigFile cfg = ConfigFile.fromYaml("hotline.yaml", "ticket:\n" + ticketYaml.indent(2), Path.of("."), env);
        TicketSettings s = TicketSettings.read(cfg);
        return new Read(s, cfg.problems().stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void theTokenComesFromTheFileOrTheEnvironmentAndIsNeverShown() throws Exception {
        Read fromFile = read("token: " + SECRET, Map.of());
        assertEquals(List.of(), fromFile.problems());
        assertEquals(SECRET, fromFile.settings().token());
        assertFalse(fromFile.settings().toString().contains(SECRET), fromFile.settings().toString());

        Read fromEnv = read("base-url: https://tickets.gov.example/api/", Map.of("IVR_TICKET_TOKEN", SECRET));
        assertEquals(List.of(), fromEnv.problems());
        assertEquals(SECRET, fromEnv.settings().token());
        assertEquals(URI.create("https://tickets.gov.example/api/"), fromEnv.settings().baseUrl());

        Read bad = read("base-url: https://tickets.gov.example/\ntoken: \"" + SECRET + " x\"", Map.of());
        assertEquals(List.of("hotline.yaml: ticket.token: must be a bearer token (letters, digits and -._~+/, then optional '='), "
                + "got 20 characters with others among them; the value is not shown"), bad.problems());
        assertEquals("", bad.settings().token());
        Read badEnv = read("timeout: 5s", Map.of("IVR_TICKET_TOKEN", "line\nbreak"));
        assertEquals(1, badEnv.problems().size());
        assertFalse(badEnv.problems().get(0).contains("line\nbreak"), badEnv.problems().get(0));
    }

    @Test
    void aBadBaseUrlOrTimeoutIsAFileKeyReasonProblem() throws Exception {
        assertEquals(List.of("hotline.yaml: ticket.base-url: must not carry a user or password; "
                + "put the credential in ticket.token (or IVR_TICKET_TOKEN)"),
                read("base-url: https://ivr:" + SECRET + "@tickets.gov.example/", Map.of()).problems());
        assertEquals(List.of("hotline.yaml: ticket.base-url: must not have a query or fragment (work-orders is appended to it), "
                + "got 'http://tickets/api?x=1'"), read("base-url: http://tickets/api?x=1", Map.of()).problems());
        assertEquals(List.of("hotline.yaml: ticket.base-url: expected an http:// or https:// URL, got 'ftp://tickets/'"),
                read("base-url: ftp://tickets/", Map.of()).problems());
        assertEquals(List.of("hotline.yaml: ticket.base-url: not a URL: 'http://tick ets/'"),
                read("base-url: http://tick ets/", Map.of()).problems());
        assertEquals(List.of("hotline.yaml: ticket.timeout: must be more than 0"), read("timeout: 0s", Map.of()).problems());
        assertEquals(List.of("hotline.yaml: ticket.connect-timeout: expected a duration with a unit (250ms, 2s, 5m, 1h, 7d), got '2'"),
                read("connect-timeout: 2", Map.of()).problems());
        Read ok = read("connect-timeout: 1s\ntimeout: 3s", Map.of());
        assertEquals(Duration.ofSeconds(3), ok.settings().timeout());
        assertEquals("", ok.settings().token());
    }
}

package cn.hotline.ivr.telephony;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cn.hotline.ivr.cli.HotlineServer;
import cn.hotline.ivr.testing.TestServer;
import org.junit.jupiter.api.Test;

/**
 * GET DATA's replies as res_agi.c's handle_getdata writes them from ast_app_getdata_full's result:
 * {@code 200 result=<digits>} (complete, or ended by '#'), {@code 200 result=<digits> (timeout)},
 * {@code 200 result=-1} (no prompt file, or a hang-up), and {@code 200 result=} with no "(timeout)" when
 * the caller pressed '#' alone (AST_GETDATA_EMPTY_END_TERMINATED).
 */
class GetDataRepliesTest {
    /** The line Asterisk's environment dials (12345) has a menu where '#' is a key of its own. */
    private static final String MENU_WITH_HASH = TestServer.PORTS + """
            flow:
              routes: [queue-enterprise]
              lines:
                default:
                  dnid: ["12345"]
                  greeting: greeting
                  menu: main
              menus:
                main:
                  prompt: menu-main
                  timeout: 2s
                  retries: 1
                  options:
                    "1": { route: queue }
                    "#": { route: queue-enterprise }
            """;

    private static AgiPeer.Result answerGetData(HotlineServer server, String id, String reply) throws Exception {
        return AgiPeer.call(server.agiAddress(), id, (i, command) -> command.startsWith("GET DATA") ? reply : null);
    }

    @Test
    void hashAloneIsTheHashKeyNotSilence() throws Exception {
        try (HotlineServer server = TestServer.start(MENU_WITH_HASH)) {
            AgiPeer.Result r = answerGetData(server, "1795448095.1", "200 result=");
            assertEquals("queue-enterprise", r.variables().get("IVR_ROUTE"), r.toString());
            assertEquals("menu", r.variables().get("IVR_REASON"), r.toString());
            assertEquals("#", r.variables().get("IVR_KEYS"), r.toString());
        }
    }

    @Test
    void aTimeoutIsStillNoInput() throws Exception {
        try (HotlineServer server = TestServer.start(MENU_WITH_HASH)) {
            AgiPeer.Result r = answerGetData(server, "1795448095.2", "200 result= (timeout)");
            assertEquals("no-input", r.variables().get("IVR_REASON"), r.toString());
            assertEquals(2, r.commands().stream().filter(c -> c.startsWith("GET DATA")).count(), "one retry: " + r);
        }
    }

    @Test
    void aMissingPromptIsNoInputAndADigitIsADigit() throws Exception {
        try (HotlineServer server = TestServer.start(MENU_WITH_HASH)) {
            AgiPeer.Result missing = answerGetData(server, "1795448095.3", "200 result=-1");
            assertEquals("no-input", missing.variables().get("IVR_REASON"), missing.toString());
            AgiPeer.Result one = answerGetData(server, "1795448095.4", "200 result=1");
            assertEquals("queue", one.variables().get("IVR_ROUTE"), one.toString());
            assertEquals("1", one.variables().get("IVR_KEYS"), one.toString());
        }
    }
}

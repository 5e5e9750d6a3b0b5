package cn.hotline.ivr.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.ops.ConfigProblem;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlowSettingsTest {
    private static List<String> problems(String yaml) throws Exception {
        ConfigFile cfg = ConfigFile.fromYaml("flow.yaml", yaml, Path.of("."), Map.of());
        FlowSettings.read(cfg);
        return cfg.problems().stream().map(ConfigProblem::toString).toList();
    }

    private static String menu(String fallback, String keyRoute) {
        return """
                flow:
                  routes: [queue-enterprise]
                  lines:
                    enterprise:
                      dnid: ["123458"]
                      menu: main
                  menus:
                    main:
                      prompt: menu-main
                      fallback-route: %s
                      options:
                        "1": { route: %s }
                """.formatted(fallback, keyRoute);
    }

    @Test
    void routesMustBeDialplanExtensionNames() throws Exception {
        List<String> p = problems("""
                flow:
                  routes: [queue-enterprise, "queue,2", "bad route", i, "${EVIL}", T, _X., queue_2-b]
                """);
        assertEquals(List.of(
                "flow.yaml: flow.routes: route 'queue,2' is not a dialplan extension name: use 1 to 40 letters, digits,"
                        + " '_' or '-' (not starting with '_'), since it becomes Goto(hotline-routes,<route>,1)",
                "flow.yaml: flow.routes: route 'bad route' is not a dialplan extension name: use 1 to 40 letters, digits,"
                        + " '_' or '-' (not starting with '_'), since it becomes Goto(hotline-routes,<route>,1)",
                "flow.yaml: flow.routes: route 'i' is Asterisk's special extension for invalid extension, not a route:"
                        + " give it another name (also in the dialplan)",
                "flow.yaml: flow.routes: route '${EVIL}' is not a dialplan extension name: use 1 to 40 letters, digits,"
                        + " '_' or '-' (not starting with '_'), since it becomes Goto(hotline-routes,<route>,1)",
                "flow.yaml: flow.routes: route 'T' is Asterisk's special extension for absolute timeout, not a route:"
                        + " give it another name (also in the dialplan)",
                "flow.yaml: flow.routes: route '_X.' is not a dialplan extension name: use 1 to 40 letters, digits,"
                        + " '_' or '-' (not starting with '_'), since it becomes Goto(hotline-routes,<route>,1)"), p);
        assertTrue(problems("flow:\n  routes: [\"" + "r".repeat(41) + "\"]\n").get(0).contains("1 to 40"));
        assertEquals(List.of(), problems("flow:\n  routes: [\"" + "r".repeat(40) + "\", queue-enterprise, q_2]\n"));
    }

    @Test
    void aMenuRouteThatIsNoDialplanExtensionIsReportedAsSuch() throws Exception {
        List<String> p = problems(menu("queue", "\"queue,2\""));
        assertEquals(List.of("flow.yaml: flow.menus.main.options.1.route: route 'queue,2' is not a dialplan extension"
                + " name: use 1 to 40 letters, digits, '_' or '-' (not starting with '_'), since it becomes"
                + " Goto(hotline-routes,<route>,1)"), p);
        assertEquals(List.of(), problems(menu("queue-enterprise", "queue-enterprise")));
    }

    @Test
    void aMenuFallbackNeverEndsTheCall() throws Exception {
        for (String route : List.of("hangup", "closed")) {
            assertEquals(List.of("flow.yaml: flow.menus.main.fallback-route: '" + route + "' would end the call of a"
                    + " caller the menu could not understand; the fallback must reach a person: use queue or a queue"
                    + " route of flow.routes"), problems(menu(route, "queue")), route);
        }
    }

    @Test
    void aKeyCannotSendCallersToTheClosedRouteWhileOpenButMayHangUpOnRequest() throws Exception {
        assertEquals(List.of("flow.yaml: flow.menus.main.options.1.route: 'closed' is the server's own route outside"
                + " opening hours (after the closed prompt); a menu runs only while open: use queue or a route of"
                + " flow.routes"), problems(menu("queue", "closed")));
        assertEquals(List.of(), problems(menu("queue", "hangup")), "a caller may choose to end the call");
    }
}

package cn.hotline.ivr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ArgsTest {
    private static Args args(String... argv) {
        return new Args(List.of(argv), Set.of("--json"));
    }

    private static String refusal(Args a) {
        return assertThrows(UsageException.class, a::done).getMessage();
    }

    @Test
    void anUnknownOptionLastIsUnknownNotMissingItsValue() {
        Args a = args("file.yaml", "--bogus");
        assertEquals("file.yaml", a.positional(0, "FILE"));
        assertEquals("unknown option --bogus", refusal(a));
    }

    @Test
    void aKnownOptionLastStillNeedsItsValue() {
        Args a = args("--agi");
        assertEquals("option --agi needs a value", assertThrows(UsageException.class, () -> a.required("--agi")).getMessage());
        Args b = args("--data", "x", "--label");
        assertEquals("option --label needs a value", assertThrows(UsageException.class, () -> b.all("--label")).getMessage());
    }

    @Test
    void aValuelessOptionAskedAsAFlagIsSet() {
        Args a = args("--verbose");
        assertTrue(a.flag("--verbose"));
        a.done();
    }

    @Test
    void extraPositionalsAreRefused() {
        Args one = args("a.yaml", "b.yaml");
        one.positional(0, "FILE");
        assertEquals("unexpected argument 'b.yaml'", refusal(one));
        Args none = args("x", "y", "--json");
        none.flag("--json");
        assertEquals("unexpected arguments 'x' 'y'", refusal(none));
        Args all = args("停水", "三天");
        assertEquals(List.of("停水", "三天"), all.positionals());
        all.done();
    }

    @Test
    void aWholeNumberTooLargeForAnIntIsRefused() {
        Args a = args("--port", "99999999999");
        assertEquals("--port expects a whole number, got '99999999999' (too large)",
                assertThrows(UsageException.class, () -> a.integer("--port", -1)).getMessage());
    }
}

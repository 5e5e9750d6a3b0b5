package cn.hotline.ivr.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CtiVariablesTest {

    @Test
    void draftIdAndKeyFieldsBecomeChannelVariables() {
        Map<String, String> vars = CtiVariables.of(FakeDraftStore.waterOutage("1795449623.1"));
        assertEquals(List.of("IVR_DRAFT_ID", "IVR_EMERGENCY", "IVR_REQUESTTYPE", "IVR_TOPIC", "IVR_DEPARTMENT",
                "IVR_REGION", "IVR_URGENCY", "IVR_SUMMARY"), List.copyOf(vars.keySet()));
        assertEquals("D-1795449623.1", vars.get("IVR_DRAFT_ID"));
        assertEquals("COMPLAINT", vars.get("IVR_REQUESTTYPE"), "the machine code, not the label");
        assertEquals("110105", vars.get("IVR_REGION"));
        assertEquals("小区停水一天无人处理", vars.get("IVR_SUMMARY"), "no code: the value");
        assertEquals("0", vars.get("IVR_EMERGENCY"));
    }

    @Test
    void valuesCannotBreakTheAgiCommandLine() {
        assertEquals("a  b c d", CtiVariables.clean("a\r\nb\"c\\d"));
        assertEquals(CtiVariables.MAX_VALUE, CtiVariables.clean("x".repeat(500)).length());
    }
}

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

    @Test
    void personalNumbersInAFieldAreMaskedBeforeTheyReachAsterisk() {
        ScreenPop pop = FakeDraftStore.waterOutage("1795449623.2");
        List<ScreenPop.Field> fields = new java.util.ArrayList<>(pop.fields());
        fields.add(new ScreenPop.Field("phone", "电话", "13812345678", "", 0.9, List.of()));
        fields.add(new ScreenPop.Field("id-number", "身份证", "11010519491231002X", "", 0.9, List.of()));
        Map<String, String> vars = CtiVariables.of(new ScreenPop(pop.callId(), pop.draftId(), pop.callerNumber(),
                pop.receivedAt(), pop.transcript(), pop.transcriptConfidence(), pop.intake(), pop.emergency(), fields));
        assertEquals("138****5678", vars.get("IVR_PHONE"));
        assertEquals("**************002X", vars.get("IVR_ID_NUMBER"));
    }
}

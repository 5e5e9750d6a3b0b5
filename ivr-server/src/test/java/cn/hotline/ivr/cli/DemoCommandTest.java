package cn.hotline.ivr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.ops.Json;
import cn.hotline.ivr.understanding.CallerContext;
import cn.hotline.ivr.understanding.Understander;
import cn.hotline.ivr.understanding.UnderstandingSettings;
import org.junit.jupiter.api.Test;

class DemoCommandTest {
    @Test
    void draftListMasksCallerNumbers() throws Exception {
        String mobile = DemoCommand.draftSummary(Json.MAPPER.readTree("""
                {"id": "1796538594.1", "call": {"callerNumber": "13800138001"}, "intake": {"outcome": "SKIPPED"},
                 "region": {}, "topic": {"label": "未知（转人工）"}}"""));
        assertEquals("     1796538594.1 caller 138****8001, intake SKIPPED, region -, topic 未知（转人工）", mobile);
        String landline = DemoCommand.draftSummary(Json.MAPPER.readTree("""
                {"id": "1796538594.2", "call": {"callerNumber": "057187654321"}, "intake": {"outcome": "SKIPPED"},
                 "region": {"cityName": "杭州市", "districtName": "西湖区"}, "topic": {"label": "停水"}}"""));
        assertEquals("     1796538594.2 caller 057*****4321, intake SKIPPED, region 杭州市西湖区, topic 停水", landline);
    }

    @Test
    void theUnderstandingShowcaseSaysWhatADraftHoldsWithNumbersMasked() throws Exception {
        Understander understander = Understander.create(UnderstandingSettings.defaults());
        CallerContext hangzhou = new CallerContext("", "杭州市");
        String water = "我是西湖区文新街道的 我们小区已经停水两天了 物业一直不管 我电话是13800138000";
        String shown = DemoCommand.understandingLines(understander.understand(water, hangzhou), water);
        assertFalse(shown.contains("13800138000"), shown);
        assertTrue(shown.contains("138****8000"), shown);
        assertTrue(shown.contains("type 投诉, topic "), shown);
        assertTrue(shown.contains("region 杭州市西湖区文新街道"), shown);
        assertFalse(shown.contains("EMERGENCY"), shown);
        String fire = "楼下饭店厨房着火了 烟很大 在拱墅区莫干山路那边";
        String alarm = DemoCommand.understandingLines(understander.understand(fire, hangzhou), fire);
        assertTrue(alarm.contains("EMERGENCY 火灾: route 119 (rule fire:着火)"), alarm);
    }
}

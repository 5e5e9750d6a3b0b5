package cn.hotline.ivr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cn.hotline.ivr.ops.Json;
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
}

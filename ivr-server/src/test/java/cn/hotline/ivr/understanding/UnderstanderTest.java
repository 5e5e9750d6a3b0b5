package cn.hotline.ivr.understanding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.ops.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class UnderstanderTest {
    private static Understander understander;
    private static final CallerContext HANGZHOU = new CallerContext("057188001234", "杭州市");

    @BeforeAll
    static void load() throws Exception {
        understander = Understander.create(UnderstandingSettings.defaults());
    }

    @Test
    void aTypicalCallIsUnderstoodPartByPart() {
        String text = "我要投诉我们小区物业乱收停车费每个月多收两百块我住在西湖区转塘街道";
        Understanding u = understander.understand(text, HANGZHOU);
        assertEquals("complaint", u.requestType().code());
        assertEquals("housing.property", u.topic().code());
        assertFalse(u.topic().department().isEmpty());
        assertEquals(understander.catalogue().version(), u.topic().catalogueVersion());
        assertEquals("西湖区", u.region().district());
        assertFalse(u.emergency().detected());
        assertTrue(u.slots().stream().anyMatch(s -> s.kind().equals("amount") && s.value().equals("两百块")), u.slots().toString());
        for (Evidence e : u.topic().evidence()) {
            assertEquals(e.text(), text.substring(e.start(), e.end()));
        }
        assertTrue(u.summary().contains("物业"), u.summary());
    }

    @Test
    void tourismAndCultureGoToTheirOwnItemsAndALandmarkGivesTheDistrict() {
        Understanding trip = understander.understand("跟团一日游导游强制购物旅行社不退钱", HANGZHOU);
        assertEquals("tourism", trip.topic().code());
        Understanding show = understander.understand("演唱会门口黄牛加价票务不退演出取消了", HANGZHOU);
        assertEquals("culture.sports", show.topic().code());
        assertFalse(show.topic().department().equals(trip.topic().department()));
        Understanding road = understander.understand("滨盛路上路灯坏了好几天", HANGZHOU);
        assertEquals("滨江区", road.region().district());
        assertEquals("滨盛路", road.region().evidence().get(0).text());
    }

    @Test
    void theSummaryUsesOnlyTheCallersWords() {
        String text = "家长反映孩子学校食堂饭菜有异味";
        Understanding u = understander.understand(text, HANGZHOU);
        String words = u.summary().replace("家长反映：", "").replaceAll("[（）]", "");
        for (char c : words.toCharArray()) {
            assertTrue(text.indexOf(c) >= 0, "invented '" + c + "' in " + u.summary());
        }
    }

    @Test
    void slotsPointAtTheirWords() {
        String text = "昨天晚上十点在文三路100号门口被车牌浙A12345的车撞了电话13812345678";
        Understanding u = understander.understand(text, HANGZHOU);
        assertTrue(u.slots().stream().anyMatch(s -> s.kind().equals("time") && s.value().equals("昨天晚上十点")), u.slots().toString());
        assertTrue(u.slots().stream().anyMatch(s -> s.kind().equals("plate") && s.value().equals("浙A12345")), u.slots().toString());
        assertTrue(u.slots().stream().anyMatch(s -> s.kind().equals("phone") && s.value().equals("13812345678")));
        assertTrue(u.slots().stream().anyMatch(s -> s.kind().equals("address") && s.value().startsWith("文三路100号")), u.slots().toString());
        u.slots().forEach(s -> assertEquals(s.evidence().text(), text.substring(s.evidence().start(), s.evidence().end())));
        assertFalse(u.summary().contains("13812345678"), u.summary());
    }

    @Test
    void emptyNoiseAndSymbolsAreUnknownWithANote() {
        for (String text : new String[] {"", "   ", "。。，！", "嗯 喂 那个 嗯嗯", null}) {
            Understanding u = understander.understand(text, HANGZHOU);
            assertTrue(u.topic().unknown() && u.requestType().unknown(), String.valueOf(text));
            assertFalse(u.note().isEmpty(), String.valueOf(text));
            assertEquals("杭州市", u.region().city(), "the caller's number still gives the city");
        }
    }

    @Test
    void veryLongTextIsCappedAndSaysSo() {
        String text = "小区停水了".repeat(2000);
        Understanding u = understander.understand(text, HANGZHOU);
        assertTrue(u.truncated());
        assertEquals(Text.MAX_CHARS, u.textLength());
        assertEquals("utilities.water", u.topic().code());
    }

    @Test
    void mixedScriptsAndFullWidthFormsAreHandled() {
        Understanding u = understander.understand("ＡＴＭ机吞卡了 bank card 被吞 银行", HANGZHOU);
        assertEquals("finance", u.topic().code());
    }

    @Test
    void weakEvidenceIsUnknownTopic() {
        assertTrue(understander.understand("我想反映一个情况", HANGZHOU).topic().unknown());
    }

    @Test
    void theResultIsJsonForTheDraft() throws Exception {
        Understanding u = understander.understand("楼下着火了快来人", HANGZHOU);
        String json = Json.write(u);
        Understanding back = Json.MAPPER.readValue(json, Understanding.class);
        assertEquals(u, back);
        assertTrue(json.contains("\"rule\":\"fire:着火\""), json);
    }
}

package cn.hotline.ivr.understanding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.hotline.ivr.ops.Json;
import java.util.List;
import java.util.Map;
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

    @Test
    void personalNumbersAreNoEvidenceOfATopic() {
        // 138[12345]678 and 622202[12345]67890123 hold the catalogue term 12345 (政务服务); 身份证 before an ID
        // number announces the number, it is not a 户籍 request.
        for (String text : List.of("我叫张三，电话13812345678，小区路灯坏了", "我叫张三，卡号6222021234567890123，小区路灯坏了")) {
            Understanding u = understander.understand(text, HANGZHOU);
            assertEquals("urban.management", u.topic().code(), text);
            assertEquals(List.of("路灯"), u.topic().evidence().stream().map(Evidence::text).toList(), text);
            assertEquals("来电人反映：小区路灯坏了", u.summary());
        }
        Understanding fire = understander.understand("我的身份证号是110101199003074514 手机13812345678 在西湖区文三路着火了", HANGZHOU);
        assertFalse(List.of("government.service", "public.household").contains(fire.topic().code()), fire.topic().toString());
        assertTrue(fire.emergency().detected());
        assertEquals("来电人反映：在西湖区文三路着火了", fire.summary());
        // The hotline's number said as such still counts.
        assertEquals("government.service", understander.understand("我打12345好几次了都没人管", HANGZHOU).topic().code());
    }

    @Test
    void theSummaryLeavesPersonalNumbersOutAndNeverCutsOne() {
        Map<String, String> cases = Map.of(
                "我的身份证号是110101199003074514 手机13812345678 在西湖区文三路着火了", "在西湖区文三路着火了",
                "手机号码是 138 1234 5678 小区门口垃圾没人清理", "小区门口垃圾没人清理",
                "电话0571-87654321 楼下餐馆油烟太大", "楼下餐馆油烟太大",
                "卡号6222020200112233446被盗刷了三千块", "被盗刷了三千块");
        cases.forEach((text, problem) -> {
            String summary = understander.understand(text, HANGZHOU).summary();
            assertTrue(summary.contains(problem), text + " -> " + summary);
            assertFalse(summary.matches(".*[0-9*].*"), "a number (or part of one) in " + summary);
        });
        // A clause that is only a number gives no summary rather than "来电人反映：".
        assertEquals("", understander.understand("13812345678", HANGZHOU).summary());
    }

    @Test
    void aPhoneNumberIsNoPartOfAnAddressAndAStreetLampIsNoRoad() {
        Understanding u = understander.understand("喂你好，电话13812345678小区路灯坏了", HANGZHOU);
        assertTrue(u.slots().stream().noneMatch(s -> s.kind().equals("address")), u.slots().toString());
        assertEquals("来电人反映：小区路灯坏了", u.summary());
    }

    @Test
    void aStreetOfTheDivisionsIsNotCutAtItsFirstCharacterAndTheCopulaIsNoPartOfAnAddress() {
        // "文新街道" is a 街道 (a township), not the road "文新街" followed by "道"; "我是" is no part of it.
        Understanding u = understander.understand("喂 你好 我是西湖区文新街道的 我们小区已经停水两天了", HANGZHOU);
        assertEquals(List.of("西湖区文新街道"), u.slots().stream().filter(s -> s.kind().equals("address"))
                .map(Understanding.Slot::value).toList(), u.slots().toString());
        assertFalse(u.summary().contains("（"), "the place is in the clause already: " + u.summary());
        Understanding road = understander.understand("投诉 湖墅南路那条街上晚上很吵 余杭区良渚街道", HANGZHOU);
        assertTrue(road.slots().stream().anyMatch(s -> s.kind().equals("address") && s.value().equals("余杭区良渚街道")),
                road.slots().toString());
    }

    @Test
    void twoTopicsWithEqualEvidenceAskAnAgentRatherThanTakingTheFirstMentioned() {
        // 饭店 (food safety) and 着火 (safety and emergencies) weigh the same: no rule can choose.
        Understanding u = understander.understand("楼下饭店着火了", HANGZHOU);
        assertEquals(Understanding.UNKNOWN, u.topic().code(), u.topic().toString());
        assertTrue(u.emergency().detected(), "the emergency is found whatever the topic");
        // One more word for one side decides it.
        assertEquals("safety.emergency", understander.understand("楼下饭店着火了 消防通道还堵着", HANGZHOU).topic().code());
    }
}

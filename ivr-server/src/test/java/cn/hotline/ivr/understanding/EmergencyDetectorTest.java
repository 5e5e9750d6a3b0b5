package cn.hotline.ivr.understanding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmergencyDetectorTest {
    private final EmergencyDetector detector;

    EmergencyDetectorTest() throws Exception {
        detector = EmergencyDetector.load(null);
    }

    @Test
    void eachDangerFiresItsRuleAndSaysWhichWords() {
        assertRule("楼下着火了好大的烟", "fire", "着火");
        assertRule("厨房里一股煤气味", "gas", "煤气味");
        assertRule("有人拿刀在街上追着砍", "violence", "拿刀");
        assertRule("老人摔倒了流血不止", "injury", "流血");
        assertRule("我真的不想活了", "self_harm", "不想活");
        assertRule("我们被困在电梯里了", "trapped", "被困");
    }

    private void assertRule(String text, String code, String term) {
        Understanding.Emergency e = detector.detect(text);
        assertTrue(e.detected(), text);
        assertEquals(code, e.code(), text);
        assertEquals(code + ":" + term, e.rule());
        assertEquals(term, e.evidence().get(0).text());
        assertEquals(term, text.substring(e.evidence().get(0).start(), e.evidence().get(0).end()));
    }

    @Test
    void negationStopsARuleButNotALaterMention() {
        assertFalse(detector.detect("没有着火").detected());
        assertFalse(detector.detect("小区搞消防演练不是火灾").detected());
        assertTrue(detector.detect("着火了没有人管").detected());
        assertTrue(detector.detect("不是演习真的着火了").detected());
    }

    @Test
    void ordinaryComplaintsAreNotEmergencies() {
        assertFalse(detector.detect("物业乱收停车费每个月多收两百").detected());
        assertFalse(detector.detect("").detected());
    }

    @Test
    void rulesComeFromConfiguration(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rules.yaml");
        Files.writeString(file, """
                negations: [没有]
                rules:
                  - {code: flood, label: 水淹, route: "119", terms: [水淹]}
                """);
        EmergencyDetector custom = EmergencyDetector.load(file);
        assertEquals("flood", custom.detect("地下室水淹了").code());
        assertFalse(custom.detect("着火了").detected());
        Files.writeString(file, "rules:\n  - {code: a, terms: [x]}\n  - {code: a, terms: []}\n");
        CatalogueException e = org.junit.jupiter.api.Assertions.assertThrows(CatalogueException.class,
                () -> EmergencyDetector.load(file));
        assertTrue(e.getMessage().contains("duplicate code 'a'") && e.getMessage().contains("no terms"), e.getMessage());
    }
}

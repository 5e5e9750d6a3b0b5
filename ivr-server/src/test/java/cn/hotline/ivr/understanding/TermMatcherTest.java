package cn.hotline.ivr.understanding;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TermMatcherTest {
    private static List<String> found(TermMatcher<String> m, String text) {
        return m.find(Text.fold(text), true).stream().map(TermMatcher.Hit::term).toList();
    }

    @Test
    void aTermWithDigitsMatchesOnlyAWholeNumber() {
        TermMatcher<String> m = new TermMatcher<String>();
        m.add("12345", "hotline");
        m.add("110", "police");
        m.add("3号楼", "building");
        m.add("路灯", "lamp");
        m.build();
        assertEquals(List.of("12345"), found(m, "打了12345没人接"));
        assertEquals(List.of("12345"), found(m, "打了１２３４５没人接"));   // full-width digits are digits too
        assertEquals(List.of(), found(m, "电话13812345678"));
        assertEquals(List.of(), found(m, "打123456"));
        assertEquals(List.of(), found(m, "卡号6222021234567890123"));
        assertEquals(List.of("110", "路灯"), found(m, "报110，路灯坏了"));
        assertEquals(List.of(), found(m, "11010519491231002X"));
        assertEquals(List.of("3号楼"), found(m, "在3号楼"));
        assertEquals(List.of(), found(m, "在13号楼"));
    }
}

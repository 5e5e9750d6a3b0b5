package cn.hotline.ivr.understanding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PersonalDataTest {
    @Test
    void idNumbersAreCheckedWithTheirCheckCharacter() {
        assertTrue(PersonalData.isIdNumber("11010519491231002X"));
        assertTrue(PersonalData.isIdNumber("110105194912310029".substring(0, 17) + "X"));
        assertFalse(PersonalData.isIdNumber("110105194912310021"));
        assertFalse(PersonalData.isIdNumber("11010519491231002"));
    }

    @Test
    void bankCardsAreCheckedWithLuhn() {
        assertTrue(PersonalData.isLuhn("6222020200112233446"));
        assertFalse(PersonalData.isLuhn("6222020200112233445"));
    }

    @Test
    void eachKindIsRecognisedAndMasked() {
        String text = "身份证11010519491231002X手机13812345678座机0571-88001234卡号6222020200112233446";
        List<PersonalData.Found> found = PersonalData.find(text);
        assertEquals(List.of(PersonalData.Kind.ID_NUMBER, PersonalData.Kind.MOBILE, PersonalData.Kind.LANDLINE,
                PersonalData.Kind.BANK_CARD), found.stream().map(PersonalData.Found::kind).toList());
        String masked = PersonalData.mask(text);
        assertEquals("身份证**************002X手机138****5678座机057*****1234卡号***************3446", masked);
    }

    @Test
    void anIdNumberWithABadChecksumIsStillMaskedAsANumber() {
        List<PersonalData.Found> found = PersonalData.find("号码110105194912310021");
        assertEquals(PersonalData.Kind.NUMBER, found.get(0).kind());
        assertFalse(PersonalData.mask("号码110105194912310021").contains("19491231"));
    }

    @Test
    void spokenDigitsCountAsDigits() {
        String masked = PersonalData.mask("我的电话是幺三八幺二三四五六七八");
        assertEquals("我的电话是138****5678", masked);
    }

    @Test
    void shortNumbersAmountsAndDatesStay() {
        String text = "物业费500元，3幢2单元，2020年7月28日，公交30路";
        assertEquals(text, PersonalData.mask(text));
    }

    @Test
    void callIdsDecimalsAndTimestampsInALogLineStayWhileTheNumbersBesideThemAreMasked() {
        String line = "{'id':'1796538534.28767','createdAt':'2026-12-06T06:21:40Z','callerNumber':'13987654321','fee':12345678.50}";
        assertEquals("{'id':'1796538534.28767','createdAt':'2026-12-06T06:21:40Z','callerNumber':'139****4321','fee':12345678.50}",
                PersonalData.mask(line));
    }

    @Test
    void maskNumberKeepsOnlyTheEnds() {
        assertEquals("138****8000", PersonalData.maskNumber("13800138000"));
        assertEquals("***", PersonalData.maskNumber("110"));
        assertEquals("", PersonalData.maskNumber(null));
    }

    @Test
    void blankingRemovesNumbersAndTheWordsAnnouncingThemKeepingOffsets() {
        String text = "我的身份证号是110101199003074514 手机13812345678 我身份证丢了，打12345";
        String blanked = PersonalData.blank(text, '_');
        assertEquals(text.length(), blanked.length());
        assertEquals("_".repeat(25) + " " + "_".repeat(13) + " 我身份证丢了，打12345", blanked);
        assertEquals("没有号码", PersonalData.blank("没有号码", '_'));
        assertEquals("", PersonalData.blank(null, '_'));
    }
}

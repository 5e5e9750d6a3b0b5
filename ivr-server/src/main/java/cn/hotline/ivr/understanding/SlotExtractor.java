package cn.hotline.ivr.understanding;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The values an agent types first, each pointing at the caller's words: address or landmark, time,
 * amount of money, ID number, licence plate, phone or card number. Only what was said is extracted;
 * nothing is completed or normalised beyond removing separators from numbers.
 */
final class SlotExtractor {
    private static final String NUM = "[0-9零〇一二两三四五六七八九十百千万几半]";
    private static final Pattern ADDRESS = Pattern.compile(
            "(?:[\\p{IsHan}0-9]{0,12}?(?:路(?!灯)|街道|街|大道|巷|弄)" + "(?:" + NUM + "+号)?(?:[\\p{IsHan}0-9]{0,10}?(?:小区|公寓|花园|大厦|广场|家园|苑|府|城|村|社区|园区|地铁站|公交站|医院|学校|商场|市场))?"
            + "|[\\p{IsHan}]{2,10}?(?:小区|公寓|花园|大厦|广场|家园|社区|地铁站|公交站|火车站|医院|学校|小学|中学|幼儿园|商场|市场|菜市场|公园|工地|村)"
            + ")(?:" + NUM + "+(?:幢|栋|号楼|单元|室|号))*");
    private static final Pattern TIME = Pattern.compile(
            "(?:" + NUM + "{1,4}年)?" + NUM + "{1,3}月(?:" + NUM + "{1,3}[日号])?(?:(?:早上|上午|中午|下午|晚上|凌晨|夜里)?" + NUM + "{1,3}点(?:" + NUM + "{1,3}分|半)?)?"
            + "|(?:今天|昨天|前天|今晚|昨晚|明天|上周|这周|本周|上个月|这个月)(?:早上|上午|中午|下午|晚上|凌晨|夜里)?(?:" + NUM + "{1,3}点(?:" + NUM + "{1,3}分|半)?)?"
            + "|(?:早上|上午|中午|下午|晚上|凌晨|夜里)" + NUM + "{1,3}点(?:" + NUM + "{1,3}分|半)?"
            + "|" + NUM + "{1,3}点(?:" + NUM + "{1,3}分|半)?(?:左右|以后|之后|到" + NUM + "{1,3}点)"
            + "|[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}");
    private static final Pattern AMOUNT = Pattern.compile(
            "[0-9]+(?:\\.[0-9]+)?(?:多|余)?(?:万|千|百)?(?:元|块钱|块|万元|人民币)"
            + "|" + NUM + "{1,8}(?:多|余)?(?:元|块钱|块|万元)");
    private static final Pattern PLATE = Pattern.compile(
            "[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Za-z][·•\\s]?[A-Za-z0-9]{4,6}");

    private static final List<String> ADDRESS_CUES = List.of("住在", "位于", "地址是", "地址", "在", "到", "我们", "我家", "我", "是");

    private SlotExtractor() {
    }

    static List<Understanding.Slot> extract(String capped) {
        List<Understanding.Slot> slots = new ArrayList<>();
        List<PersonalData.Found> numbers = PersonalData.find(capped);
        Matcher a = ADDRESS.matcher(capped);
        while (a.find()) {
            // The pattern starts at the earliest Han character; the address starts after "住在/位于/在".
            int start = a.start();
            for (PersonalData.Found f : numbers) {
                if (f.start() < a.end() && f.end() > start) {
                    start = Math.max(start, f.end());   // a phone number is no part of an address
                }
            }
            String found = a.group();
            for (String cue : ADDRESS_CUES) {
                int at = found.lastIndexOf(cue);
                if (at >= 0 && a.start() + at + cue.length() > start && at + cue.length() < found.length() - 1) {
                    start = a.start() + at + cue.length();
                }
            }
            if (a.end() - start >= 3) {
                slots.add(new Understanding.Slot("address", capped.substring(start, a.end()), 0.6,
                        Evidence.of(capped, start, a.end())));
            }
        }
        addAll(slots, capped, TIME, "time", 0.7);
        addAll(slots, capped, AMOUNT, "amount", 0.8);
        addAll(slots, capped, PLATE, "plate", 0.8);
        for (PersonalData.Found f : numbers) {
            String kind = switch (f.kind()) {
                case ID_NUMBER -> "id-number";
                case MOBILE, LANDLINE -> "phone";
                case BANK_CARD -> "bank-card";
                case NUMBER -> "number";
            };
            slots.add(new Understanding.Slot(kind, f.digits(), f.kind() == PersonalData.Kind.NUMBER ? 0.5 : 0.9,
                    Evidence.of(capped, f.start(), f.end())));
        }
        slots.sort(Comparator.comparingInt(s -> s.evidence().start()));
        return slots;
    }

    private static void addAll(List<Understanding.Slot> slots, String text, Pattern p, String kind, double confidence) {
        Matcher m = p.matcher(text);
        while (m.find()) {
            if (m.end() - m.start() < 2) {
                continue;
            }
            slots.add(new Understanding.Slot(kind, m.group(), confidence, Evidence.of(text, m.start(), m.end())));
        }
    }
}

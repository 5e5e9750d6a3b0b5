package cn.hotline.ivr.understanding;

/**
 * What the line knows about a call apart from the words: the caller's number (a landline area code
 * is a weak region prior) and the line's home city (regions are resolved inside it first).
 *
 * @param callerNumber caller id as delivered ({@code agi_callerid}); may be empty or "unknown"
 * @param homeCity     the line's home city, e.g. {@code 杭州市}; empty for a province or national line
 */
public record CallerContext(String callerNumber, String homeCity) {
    public CallerContext {
        callerNumber = callerNumber == null ? "" : callerNumber.strip();
        homeCity = homeCity == null ? "" : homeCity.strip();
    }

    public static CallerContext of(String homeCity) {
        return new CallerContext("", homeCity);
    }
}

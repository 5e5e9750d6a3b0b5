package cn.hotline.ivr.flow;

import java.time.Duration;
import java.util.Map;

/**
 * A DTMF menu for lines that want one (the 12345 default has none). Each digit maps to an action.
 *
 * @param retries       how many more chances after a timeout or an invalid digit; then {@code fallbackRoute}
 * @param fallbackRoute where a caller goes after exhausting the retries (never hung up on)
 */
public record Menu(
        String name,
        String prompt,
        Duration timeout,
        int retries,
        String invalidPrompt,
        String timeoutPrompt,
        String fallbackRoute,
        Map<Character, Action> options) {

    public Menu {
        options = Map.copyOf(options);
    }

    /** What a digit does. */
    public sealed interface Action {
    }

    /** Leave the flow towards a dialplan route (e.g. {@code queue}, {@code queue-enterprise}). */
    public record Route(String route) implements Action {
    }

    /** Go down into another menu. */
    public record Submenu(String menu) implements Action {
    }

    /** Back to the menu this one was entered from (or replay at the top). */
    public record Back() implements Action {
    }

    /** Play this menu again. */
    public record Repeat() implements Action {
    }
}

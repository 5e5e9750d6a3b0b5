package cn.hotline.ivr.flow;

import java.util.List;

/**
 * Where the flow sends a caller and why.
 *
 * @param route  the dialplan route ({@code IVR_ROUTE})
 * @param reason why, in a word or two ({@code IVR_REASON}): direct, menu, zero-out, no-input, closed...
 * @param keys   the menu keys the caller pressed, in order (for the draft and the logs)
 */
public record FlowDecision(String route, String reason, List<String> keys) {
    public FlowDecision {
        keys = List.copyOf(keys);
    }
}

package cn.hotline.ivr.telephony;

import cn.hotline.ivr.flow.CallChannel;
import cn.hotline.ivr.flow.CallEndedException;
import cn.hotline.ivr.flow.CallSession;

/**
 * What runs for one call, on that call's own thread, from the first command to the last.
 * Mapped explicitly by script name ({@code agi://host/hotline} → the "hotline" script); there is no
 * lookup by class name.
 */
@FunctionalInterface
public interface CallScript {
    void handle(CallSession call, CallChannel channel) throws CallEndedException;
}

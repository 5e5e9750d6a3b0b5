package cn.hotline.ivr.telephony.ami;

import java.util.Map;
import org.asteriskjava.manager.AsteriskMapping;
import org.asteriskjava.manager.event.AgentCalledEvent;
import org.asteriskjava.manager.event.AgentCompleteEvent;
import org.asteriskjava.manager.event.AgentConnectEvent;
import org.asteriskjava.manager.event.AgentDumpEvent;
import org.asteriskjava.manager.event.AgentRingNoAnswerEvent;
import org.asteriskjava.manager.event.ManagerEvent;

/**
 * Asterisk-Java's Agent* events that also take the agent leg's {@code DestChanVariable} headers.
 *
 * <p>With {@code channelvars} in manager.conf every channel event carries {@code ChanVariable:} lines,
 * and those with a second channel (all Agent* events) {@code DestChanVariable:} lines too (observed on
 * Asterisk 22, ami-transcripts section 7; manager_channels.c ast_manager_build_channel_state_string_prefix
 * with prefix "Dest"). Asterisk-Java 3.42 has no setter for the latter and logs a warning for each such
 * event ("Unable to set property ... Please report"), four lines per queue call. Registered in place of
 * the stock classes; they are subclasses, so everything else sees the usual event types.
 */
public final class ChannelVarEvents {
    private ChannelVarEvents() {
    }

    /** The classes to pass to {@code ManagerConnection.registerUserEventClass}. */
    static java.util.List<Class<? extends ManagerEvent>> all() {
        return java.util.List.of(AgentCalled.class, AgentConnect.class, AgentComplete.class, AgentRingNoAnswer.class,
                AgentDump.class);
    }

    @AsteriskMapping("AgentCalled")
    public static final class AgentCalled extends AgentCalledEvent {
        private static final long serialVersionUID = 1L;
        private Map<String, String> destChanVariables = Map.of();

        public AgentCalled(Object source) {
            super(source);
        }

        public void setDestChanVariables(Map<String, String> variables) {
            destChanVariables = variables == null ? Map.of() : Map.copyOf(variables);
        }

        public Map<String, String> getDestChanVariables() {
            return destChanVariables;
        }
    }

    @AsteriskMapping("AgentConnect")
    public static final class AgentConnect extends AgentConnectEvent {
        private static final long serialVersionUID = 1L;
        private Map<String, String> destChanVariables = Map.of();

        public AgentConnect(Object source) {
            super(source);
        }

        public void setDestChanVariables(Map<String, String> variables) {
            destChanVariables = variables == null ? Map.of() : Map.copyOf(variables);
        }

        public Map<String, String> getDestChanVariables() {
            return destChanVariables;
        }
    }

    @AsteriskMapping("AgentComplete")
    public static final class AgentComplete extends AgentCompleteEvent {
        private static final long serialVersionUID = 1L;
        private Map<String, String> destChanVariables = Map.of();

        public AgentComplete(Object source) {
            super(source);
        }

        public void setDestChanVariables(Map<String, String> variables) {
            destChanVariables = variables == null ? Map.of() : Map.copyOf(variables);
        }

        public Map<String, String> getDestChanVariables() {
            return destChanVariables;
        }
    }

    @AsteriskMapping("AgentRingNoAnswer")
    public static final class AgentRingNoAnswer extends AgentRingNoAnswerEvent {
        private static final long serialVersionUID = 1L;
        private Map<String, String> destChanVariables = Map.of();

        public AgentRingNoAnswer(Object source) {
            super(source);
        }

        public void setDestChanVariables(Map<String, String> variables) {
            destChanVariables = variables == null ? Map.of() : Map.copyOf(variables);
        }

        public Map<String, String> getDestChanVariables() {
            return destChanVariables;
        }
    }

    @AsteriskMapping("AgentDump")
    public static final class AgentDump extends AgentDumpEvent {
        private static final long serialVersionUID = 1L;
        private Map<String, String> destChanVariables = Map.of();

        public AgentDump(Object source) {
            super(source);
        }

        public void setDestChanVariables(Map<String, String> variables) {
            destChanVariables = variables == null ? Map.of() : Map.copyOf(variables);
        }

        public Map<String, String> getDestChanVariables() {
            return destChanVariables;
        }
    }
}

package cn.hotline.ivr.flow;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test double of a call: keys are pressed from a script ({@code w} = let a prompt or a timeout pass),
 * and every action is recorded so a test can assert what the caller heard and what the dialplan got.
 */
class ScriptedChannel implements CallChannel {
    /** Synchronized: a test may read it while the call runs on another thread. */
    final List<String> heard = Collections.synchronizedList(new ArrayList<>());
    final Map<String, String> variables = new LinkedHashMap<>();
    private final Deque<Character> keys = new ArrayDeque<>();
    private int hangUpAfterActions = -1;
    private int actions;

    ScriptedChannel(String keys) {
        for (char c : keys.toCharArray()) {
            this.keys.add(c);
        }
    }

    ScriptedChannel hangUpAfter(int actionCount) {
        this.hangUpAfterActions = actionCount;
        return this;
    }

    private void act() throws CallEndedException {
        if (hangUpAfterActions >= 0 && actions++ >= hangUpAfterActions) {
            throw new CallEndedException("caller hung up");
        }
    }

    @Override
    public String callId() {
        return "1795448040.1";
    }

    @Override
    public void answer() throws CallEndedException {
        act();
        heard.add("(answer)");
    }

    @Override
    public char play(String prompt, String escapeDigits) throws CallEndedException {
        act();
        heard.add(prompt);
        if (!escapeDigits.isEmpty() && !keys.isEmpty()) {
            char next = keys.peek();
            if (next == 'w') {
                keys.poll();
            } else if (escapeDigits.indexOf(next) >= 0) {
                return keys.poll();
            }
        }
        return 0;
    }

    @Override
    public String collectDigits(String prompt, Duration timeout, int maxDigits) throws CallEndedException {
        act();
        heard.add(prompt);
        StringBuilder got = new StringBuilder();
        while (!keys.isEmpty() && got.length() < maxDigits) {
            char c = keys.poll();
            if (c == 'w') {
                break;
            }
            got.append(c);
        }
        return got.toString();
    }

    @Override
    public void setVariable(String name, String value) throws CallEndedException {
        act();
        variables.put(name, value);
    }

    @Override
    public String getVariable(String name) {
        return variables.get(name);
    }

    @Override
    public int exec(String application, String arguments) throws CallEndedException {
        act();
        heard.add("exec " + application);
        return 0;
    }

    @Override
    public char record(String file, String format, String escapeDigits, Duration maxDuration, Duration silence)
            throws CallEndedException {
        act();
        heard.add("record " + file);
        return 0;
    }

    @Override
    public void musicOnHold(boolean on) throws CallEndedException {
        act();
        heard.add(on ? "(music on hold)" : "(music off)");
    }

    @Override
    public void ping() throws CallEndedException {
        act();
    }
}

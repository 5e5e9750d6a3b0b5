package cn.hotline.ivr.speech;

import cn.hotline.ivr.flow.CallChannel;
import cn.hotline.ivr.flow.CallEndedException;
import cn.hotline.ivr.media.Pcm;
import cn.hotline.ivr.ops.ConfigFile;
import cn.hotline.ivr.sim.AudioSocketCaller;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A call channel for intake tests: EXEC AudioSocket makes the simulator play Asterisk's part over a
 * real loopback socket (streaming {@code audio}); RECORD FILE writes {@code audio} as the recording.
 */
final class FakeCallChannel implements CallChannel {
    final String id;
    final Pcm audio;
    final List<String> commands = new CopyOnWriteArrayList<>();
    AudioSocketCaller.Options options = AudioSocketCaller.Options.defaults();
    volatile AudioSocketCaller.Result callerResult;
    char recordKey;
    /** When set, RECORD FILE writes these bytes instead of {@code audio} (a damaged recording). */
    byte[] recordingBytes;
    /** When not empty, each RECORD FILE writes the next of these instead of {@code audio} (one per segment). */
    final java.util.Deque<Pcm> recordings = new java.util.ArrayDeque<>();
    char playKey;
    /** What {@code GET VARIABLE CHANNEL} answers. */
    String channelName;
    /**
     * When set, RECORD FILE lasts until a key arrives here (as a DTMF frame queued on the channel, e.g.
     * by AMI PlayDTMF Receive) or its maximum duration passes, like Asterisk's.
     */
    java.util.concurrent.BlockingQueue<Character> receivedKeys;
    final java.util.concurrent.CountDownLatch recording = new java.util.concurrent.CountDownLatch(1);
    /** Runs while GET VARIABLE is in flight (something happening on another thread meanwhile). */
    Runnable duringGetVariable = () -> { };
    /** Runs while STREAM FILE plays; when it queued a key on {@code receivedKeys}, the prompt stops on it. */
    Runnable duringPlay = () -> { };

    FakeCallChannel(String id, Pcm audio) {
        this.id = id;
        this.audio = audio;
    }

    @Override
    public String callId() {
        return id;
    }

    @Override
    public void answer() {
        commands.add("ANSWER");
    }

    @Override
    public char play(String prompt, String escapeDigits) {
        commands.add("STREAM FILE " + prompt + " " + escapeDigits);
        duringPlay.run();
        Character queued = receivedKeys == null ? null : receivedKeys.poll();
        return queued != null && escapeDigits.indexOf(queued) >= 0 ? queued : playKey;
    }

    @Override
    public String collectDigits(String prompt, Duration timeout, int maxDigits) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void setVariable(String name, String value) {
        commands.add("SET VARIABLE " + name);
    }

    @Override
    public String getVariable(String name) {
        commands.add("GET VARIABLE " + name);
        duringGetVariable.run();
        return name.equals("CHANNEL") ? channelName : null;
    }

    @Override
    public int exec(String application, String arguments) throws CallEndedException {
        commands.add("EXEC " + application + " " + arguments);
        String[] parts = arguments.split(",", 2);
        callerResult = AudioSocketCaller.run(ConfigFile.parseHostPort(parts[1]), UUID.fromString(parts[0]), audio, options);
        if (callerResult.ending() == AudioSocketCaller.Ending.CALLER_HUNG_UP) {
            throw new CallEndedException("caller hung up during AudioSocket");
        }
        // app_audiosocket returns 0 for the server's 0x00 and for its close alike.
        return callerResult.ending() == AudioSocketCaller.Ending.SERVER_HANGUP
                || callerResult.ending() == AudioSocketCaller.Ending.SERVER_CLOSED ? 0 : -1;
    }

    @Override
    public char record(String file, String format, String escapeDigits, Duration maxDuration, Duration silence) {
        commands.add("RECORD FILE " + file + " " + format + " " + escapeDigits + " " + maxDuration.toMillis() + " s=" + silence.toSeconds());
        char key = recordKey;
        if (receivedKeys != null) {
            recording.countDown();
            try {
                Character received = receivedKeys.poll(maxDuration.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                key = received != null && escapeDigits.indexOf(received) >= 0 ? received : 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            if (recordingBytes != null) {
                java.nio.file.Files.write(Path.of(file + "." + format), recordingBytes);
            } else if (!recordings.isEmpty()) {
                recordings.poll().writeWav(Path.of(file + "." + format));
            } else {
                audio.writeWav(Path.of(file + "." + format));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return key;
    }

    @Override
    public void musicOnHold(boolean on) {
        throw new UnsupportedOperationException("not used by captures");
    }

    @Override
    public void ping() {
        throw new UnsupportedOperationException("not used by captures");
    }
}

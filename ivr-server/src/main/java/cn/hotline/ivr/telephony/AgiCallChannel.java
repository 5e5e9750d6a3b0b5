package cn.hotline.ivr.telephony;

import cn.hotline.ivr.flow.CallChannel;
import cn.hotline.ivr.flow.CallEndedException;
import cn.hotline.ivr.flow.CommandFailedException;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Function;
import org.asteriskjava.fastagi.AgiChannel;
import org.asteriskjava.fastagi.AgiException;
import org.asteriskjava.fastagi.AgiHangupException;
import org.asteriskjava.fastagi.AgiNetworkException;
import org.asteriskjava.fastagi.command.AgiCommand;
import org.asteriskjava.fastagi.command.ChannelStatusCommand;
import org.asteriskjava.fastagi.command.ExecCommand;
import org.asteriskjava.fastagi.command.GetDataCommand;
import org.asteriskjava.fastagi.command.GetVariableCommand;
import org.asteriskjava.fastagi.command.RecordFileCommand;
import org.asteriskjava.fastagi.command.SetMusicOffCommand;
import org.asteriskjava.fastagi.command.SetMusicOnCommand;
import org.asteriskjava.fastagi.command.SetVariableCommand;
import org.asteriskjava.fastagi.command.StreamFileCommand;
import org.asteriskjava.fastagi.command.AnswerCommand;
import org.asteriskjava.fastagi.reply.AgiReply;

/**
 * {@link CallChannel} over one FastAGI connection (Asterisk-Java's {@link AgiChannel}, reading replies
 * with {@link AgiReplyReader}). Translates hang-ups (the bare {@code HANGUP} line, {@code 511}, a
 * closed socket) into {@link CallEndedException}, and a refused command or a malformed reply into
 * {@link CommandFailedException} (the caller is not gone: the flow falls back); times every command.
 */
final class AgiCallChannel implements CallChannel {
    private final String callId;
    private final AgiChannel agi;
    private final Function<String, Timer> timers;

    /** {@code timers} gives the round-trip timer of a command name (shared by all calls). */
    AgiCallChannel(String callId, AgiChannel agi, Function<String, Timer> timers) {
        this.callId = callId;
        this.agi = agi;
        this.timers = timers;
    }

    @Override
    public String callId() {
        return callId;
    }

    private AgiReply send(String name, AgiCommand command) throws CallEndedException {
        long start = System.nanoTime();
        try {
            return agi.sendCommand(command);
        } catch (AgiHangupException e) {
            throw new CallEndedException("caller hung up");
        } catch (AgiReplyReader.Rejected e) {
            throw CommandFailedException.rejected(name, e.getMessage());
        } catch (AgiReplyReader.Malformed e) {
            throw CommandFailedException.malformedReply(name, e.getMessage());
        } catch (AgiNetworkException e) {
            throw new CallEndedException("connection to Asterisk lost during " + name, e);
        } catch (AgiException e) {
            // Only the library's own checks are left (our reader raises the cases above): not a hang-up either.
            throw CommandFailedException.rejected(name, e.getMessage());
        } finally {
            timers.apply(name).record(Duration.ofNanos(System.nanoTime() - start));
        }
    }

    @Override
    public void answer() throws CallEndedException {
        send("ANSWER", new AnswerCommand());
    }

    @Override
    public char play(String prompt, String escapeDigits) throws CallEndedException {
        AgiReply reply = send("STREAM FILE", new StreamFileCommand(prompt, escapeDigits));
        int code = reply.getResultCode();
        if (code < 0) {
            // -1: the file could not be played (missing prompt). The call goes on without it.
            return 0;
        }
        return (char) code;
    }

    @Override
    public String collectDigits(String prompt, Duration timeout, int maxDigits) throws CallEndedException {
        AgiReply reply = send("GET DATA", new GetDataCommand(prompt, timeout.toMillis(), maxDigits));
        String result = reply.getResult();
        if (result == null || "-1".equals(result)) {
            // -1: the prompt could not be played, or the caller hung up (then HANGUP follows this reply).
            return "";
        }
        if (result.isEmpty() && !"timeout".equals(reply.getExtra())) {
            // "200 result=" without "(timeout)": the caller pressed '#' alone (ast_readstring's
            // AST_GETDATA_EMPTY_END_TERMINATED). A key, not silence: a menu may offer '#'.
            return "#";
        }
        return result;
    }

    @Override
    public void setVariable(String name, String value) throws CallEndedException {
        send("SET VARIABLE", new SetVariableCommand(name, value));
    }

    @Override
    public String getVariable(String name) throws CallEndedException {
        AgiReply reply = send("GET VARIABLE", new GetVariableCommand(name));
        return reply.getResultCode() == 1 ? reply.getExtra() : null;
    }

    @Override
    public int exec(String application, String arguments) throws CallEndedException {
        return send("EXEC", new ExecCommand(application, arguments)).getResultCode();
    }

    @Override
    public char record(String file, String format, String escapeDigits, Duration maxDuration, Duration silence)
            throws CallEndedException {
        RecordFileCommand command = new RecordFileCommand(
                file, format, escapeDigits, (int) maxDuration.toMillis(), 0, false, (int) silence.toSeconds());
        AgiReply reply = send("RECORD FILE", command);
        // Only "(dtmf)" carries a key: a recording ended on silence answers "result=<ms left> (timeout)"
        // (res_agi.c reports its last ast_waitfor), and 35 ms left must not read as '#'.
        int code = reply.getResultCode();
        return code > 0 && "dtmf".equals(reply.getExtra()) ? (char) code : 0;
    }

    @Override
    public void musicOnHold(boolean on) throws CallEndedException {
        send("SET MUSIC", on ? new SetMusicOnCommand() : new SetMusicOffCommand());
    }

    @Override
    public void ping() throws CallEndedException {
        // CHANNEL STATUS is answered at once and is refused (511) on a dead channel.
        send("CHANNEL STATUS", new ChannelStatusCommand());
    }
}

package cn.hotline.ivr.flow;

/**
 * One step of the call failed on a channel that was still up: Asterisk refused the command (a
 * {@code 510}/{@code 520} reply), or answered it with something that is not a reply at all. Not a
 * hang-up: the caller is still there and must still reach an agent (the flow's fallback).
 *
 * <p>Unchecked so that every {@link CallChannel} user need not declare it; the flow catches it at the
 * top of a call. The message is one log line: the command name and Asterisk's text, never the
 * command's arguments (a {@code SET VARIABLE} may carry what the caller said).
 */
public final class CommandFailedException extends RuntimeException {
    private final String command;
    private final boolean channelUsable;

    private CommandFailedException(String command, String message, boolean channelUsable) {
        super(message);
        this.command = command;
        this.channelUsable = channelUsable;
    }

    /** Asterisk refused {@code command} (its reply text, e.g. {@code 520 Invalid command syntax...}); more commands may follow. */
    public static CommandFailedException rejected(String command, String reply) {
        return new CommandFailedException(command, "Asterisk rejected " + command + ": " + reply, true);
    }

    /** The reply to {@code command} broke the protocol: nothing more can be sent on this connection. */
    public static CommandFailedException malformedReply(String command, String reason) {
        return new CommandFailedException(command, "Asterisk sent a malformed reply to " + command + ": " + reason, false);
    }

    /** The AGI command that failed ({@code STREAM FILE}, {@code SET VARIABLE}, ...). */
    public String command() {
        return command;
    }

    /** False after a malformed reply: the connection is closed without another command. */
    public boolean channelUsable() {
        return channelUsable;
    }
}

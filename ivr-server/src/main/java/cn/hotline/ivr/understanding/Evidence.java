package cn.hotline.ivr.understanding;

/**
 * The words a result came from: {@code text} is {@code transcript.substring(start, end)} of the
 * (capped) transcript that was understood, so an agent's screen can highlight it.
 */
public record Evidence(int start, int end, String text) {
    static Evidence of(String transcript, int start, int end) {
        return new Evidence(start, end, transcript.substring(start, end));
    }
}

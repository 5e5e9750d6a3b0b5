package cn.hotline.ivr.flow;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * One utterance to capture.
 *
 * @param prompt        prompt played (with barge-in) when the capture starts; empty for none
 * @param noInput       give up when the caller has not started speaking by then (null: {@code speech.vad.no-input})
 * @param trailingSilence silence after speech that ends the utterance (null: {@code speech.vad.trailing-silence})
 * @param maxUtterance  hard cap on the utterance length (null: {@code speech.vad.max-utterance})
 * @param phrases       restrict recognition to these phrases (short answers); empty for free speech
 * @param partials      receives partial transcripts while the caller is still speaking (may be a no-op)
 */
public record CaptureRequest(
        String prompt,
        Duration noInput,
        Duration trailingSilence,
        Duration maxUtterance,
        List<String> phrases,
        Consumer<String> partials) {

    public CaptureRequest {
        phrases = List.copyOf(phrases);
    }
}

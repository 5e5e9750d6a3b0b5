package cn.hotline.ivr.flow;

import java.util.Optional;

/**
 * Listens to what the caller is saying while they are still speaking: an emergency (fire, gas,
 * violence, injury, self-harm, people trapped) ends intake at once. Returns the emergency service
 * to hand over to (110/119/120).
 */
@FunctionalInterface
public interface EmergencyWatch {
    Optional<String> check(String partialTranscript);

    EmergencyWatch NONE = text -> Optional.empty();
}

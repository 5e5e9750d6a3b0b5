package cn.hotline.ivr.speech;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Admission and the decoder threads, without a model (FakeRecognizer stands in for Vosk). */
class DecoderPoolTest {

    /**
     * JNA turns a native fault into java.lang.Error. A task failing that way stopped the slot's queue for
     * good: the capture's final result, the stream's close (vosk_recognizer_free) and the slot's release
     * never ran, so each such call leaked a recognizer and a decoder permit.
     */
    @Test
    void aTaskFailingWithAnErrorDoesNotStopTheCapturesLaterTasks() throws Exception {
        FakeRecognizer fake = new FakeRecognizer();
        try (DecoderPool pool = new DecoderPool(fake, true, "", 1, 1, new SimpleMeterRegistry())) {
            DecoderPool.Slot slot = pool.admit().slot();
            SpeechRecognizer.Stream[] stream = new SpeechRecognizer.Stream[1];
            CountDownLatch done = new CountDownLatch(1);
            slot.execute(() -> stream[0] = fake.open(List.of()));
            slot.execute(() -> {
                throw new Error("Invalid memory access");
            });
            slot.execute(() -> {
                stream[0].close();
                slot.close();
                done.countDown();
            });
            assertTrue(done.await(2, TimeUnit.SECONDS), "the tasks after the failed one never ran");
            assertEquals(1, fake.closedStreams.get());
            assertEquals(0, pool.inUse());
        }
    }
}

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

    /**
     * RecordFileIntake stops waiting for a batch recognition after its time-out and closes the slot; the
     * recognition still runs on a decoder thread. Its permit must stay taken until it ends, or an overloaded
     * machine admits one decoder more for every such call.
     */
    @Test
    void aSlotClosedWhileItsTaskStillRunsKeepsItsPermitUntilTheTaskEnds() throws Exception {
        try (DecoderPool pool = new DecoderPool(new FakeRecognizer(), true, "", 1, 1, new SimpleMeterRegistry())) {
            DecoderPool.Slot slot = pool.admit().slot();
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch finish = new CountDownLatch(1);
            slot.execute(() -> {
                started.countDown();
                try {
                    finish.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(started.await(2, TimeUnit.SECONDS));
            slot.close();   // the caller gave up waiting
            assertEquals(1, pool.inUse(), "the recognition still holds its decoder");
            assertEquals(false, pool.admit().admitted(), "no second decoder while the first still runs");
            finish.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (pool.inUse() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, pool.inUse(), "the permit comes back when the recognition ends");
            DecoderPool.Admission next = pool.admit();
            assertTrue(next.admitted());
            next.slot().close();
            assertEquals(0, pool.inUse(), "an idle slot gives its permit back at once");
        }
    }
}

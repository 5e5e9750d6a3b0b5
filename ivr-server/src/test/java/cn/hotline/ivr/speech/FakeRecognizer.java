package cn.hotline.ivr.speech;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test double of the engine (the product path around it is real): it "recognises" one character
 * per 10 frames of audio it is fed, reports the threads that fed it, and can be made unhealthy.
 */
final class FakeRecognizer implements SpeechRecognizer {
    final List<String> threads = new CopyOnWriteArrayList<>();
    final AtomicInteger opened = new AtomicInteger();
    final AtomicInteger closedStreams = new AtomicInteger();
    final List<List<String>> phraseLists = new CopyOnWriteArrayList<>();
    volatile boolean healthy = true;

    @Override
    public Health health() {
        return healthy ? Health.up("fake") : Health.down("fake engine down");
    }

    @Override
    public Stream open(List<String> phrases) {
        opened.incrementAndGet();
        phraseLists.add(phrases);
        return new Stream() {
            private int bytes;

            @Override
            public Update accept(byte[] pcm, int length) {
                threads.add(Thread.currentThread().getName());
                bytes += length;
                return new Update(text(), false);
            }

            private String text() {
                return "字".repeat(bytes / 3200);
            }

            @Override
            public Transcript finish() {
                return new Transcript(text(), 0.9);
            }

            @Override
            public void close() {
                closedStreams.incrementAndGet();
            }
        };
    }

    @Override
    public void close() {
    }
}

package dev.corral.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes log lines to standard error (or output) from its own thread, in batches: the thread that
 * logs (a request's event loop) only queues the event and goes on. While lines keep coming the writer
 * wakes every {@code lingerMillis}, takes everything queued and writes it with one {@code write(2)};
 * when none come it sleeps until the next one wakes it.
 *
 * <p>Why not logback's AsyncAppender: it wakes its worker for every line, so each request cost a
 * futex wake, two context switches and a write of its own on a busy core (measured with strace under
 * load: about 0.9 wakes and one write per request). Here a busy second costs about 50 writes and no
 * wakes.
 *
 * <p>Nothing is dropped: a full queue wakes the writer and makes the logging thread wait for room.
 * A line reaches the stream at most about {@code lingerMillis} after it was logged; at stop
 * (logback's shutdown hook) everything queued is written, for up to {@code maxFlushMillis}.
 */
public final class BatchingAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
    private Encoder<ILoggingEvent> encoder;
    private String target = "System.err";
    private int queueSize = 8192;
    private int lingerMillis = 20;
    private int maxFlushMillis = 2000;
    private int idleMillis = 1000;

    /** Logging events, and lines already encoded ({@link #appendLine}). */
    private ArrayBlockingQueue<Object> queue;
    private PrintStream out;
    private Thread writer;
    /** True while the writer sleeps with nothing queued: the next line wakes it. */
    private volatile boolean idle;
    private volatile boolean stopping;

    public void setEncoder(Encoder<ILoggingEvent> encoder) {
        this.encoder = encoder;
    }

    /** {@code System.err} (the default) or {@code System.out}. */
    public void setTarget(String target) {
        this.target = target;
    }

    public void setQueueSize(int queueSize) {
        this.queueSize = queueSize;
    }

    public void setLingerMillis(int lingerMillis) {
        this.lingerMillis = lingerMillis;
    }

    public void setMaxFlushMillis(int maxFlushMillis) {
        this.maxFlushMillis = maxFlushMillis;
    }

    /** How long the writer sleeps with nothing queued before it looks again (a line wakes it sooner). */
    public void setIdleMillis(int idleMillis) {
        this.idleMillis = idleMillis;
    }

    /** True while the writer sleeps with nothing queued (tests wait for it). */
    boolean idle() {
        return idle;
    }

    @Override
    public void start() {
        if (encoder == null) {
            addError("no encoder for appender " + name);
            return;
        }
        if (!"System.err".equals(target) && !"System.out".equals(target)) {
            addError("target must be System.err or System.out, not " + target);
            return;
        }
        if (queueSize < 1 || lingerMillis < 0 || idleMillis < 1) {
            addError("queueSize and idleMillis must be at least 1, lingerMillis not negative");
            return;
        }
        out = "System.out".equals(target) ? System.out : System.err;
        queue = new ArrayBlockingQueue<>(queueSize);
        stopping = false;
        writer = new Thread(this::run, "corral-log-writer-" + name);
        writer.setDaemon(true);
        writer.start();
        super.start();
    }

    @Override
    protected void append(ILoggingEvent event) {
        event.prepareForDeferredProcessing();
        enqueue(event);
    }

    /**
     * Queues a line already encoded as this appender's encoder would (one JSON object and a newline,
     * UTF-8): the access log's lines skip the logging event and the layout. Copies the bytes.
     *
     * @return false when the appender is not started (the line is not written)
     */
    public boolean appendLine(byte[] line, int offset, int length) {
        if (!isStarted()) {
            return false;
        }
        enqueue(java.util.Arrays.copyOfRange(line, offset, offset + length));
        return true;
    }

    private void enqueue(Object line) {
        if (queue.offer(line)) {
            if (idle) {
                LockSupport.unpark(writer);
            }
            return;
        }
        LockSupport.unpark(writer); // full: write now, and wait for room
        try {
            queue.put(line);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            addWarn("interrupted while the log queue was full; one line written by the logging thread itself");
            writeAll(List.of(line));
        }
    }

    private void run() {
        List<Object> batch = new ArrayList<>(Math.min(queueSize, 4096));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
        while (true) {
            queue.drainTo(batch);
            if (batch.isEmpty()) {
                if (stopping) {
                    return;
                }
                idle = true;
                if (queue.isEmpty() && !stopping) {
                    LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(idleMillis));
                }
                idle = false;
                continue;
            }
            write(batch, bytes);
            batch.clear();
            if (!stopping && lingerMillis > 0) {
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(lingerMillis));
            }
        }
    }

    private void writeAll(List<Object> lines) {
        write(lines, new ByteArrayOutputStream(1024));
    }

    private void write(List<Object> lines, ByteArrayOutputStream bytes) {
        bytes.reset();
        for (Object line : lines) {
            try {
                bytes.write(line instanceof byte[] encoded ? encoded : encoder.encode((ILoggingEvent) line));
            } catch (IOException | RuntimeException ex) {
                addError("could not encode a log line", ex);
            }
        }
        synchronized (out) {
            try {
                bytes.writeTo(out);
            } catch (IOException impossible) { // a PrintStream never throws; it sets its error flag
                addError("could not write log lines", impossible);
            }
            out.flush();
        }
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop(); // no new lines from here on
        stopping = true;
        LockSupport.unpark(writer);
        try {
            writer.join(maxFlushMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            addWarn("log writer did not finish within " + maxFlushMillis + " ms; " + queue.size() + " lines not written");
        }
    }
}

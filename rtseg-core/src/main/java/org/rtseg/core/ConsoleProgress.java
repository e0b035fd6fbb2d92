package org.rtseg.core;

import ai.djl.util.Progress;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar on standard error, where log lines also go: DJL's {@code ProgressBar} writes to
 * standard output, so its bar interleaved with a command's results and could not be silenced by
 * redirecting them. Any DJL {@link Progress} reporter takes it (datasets, evaluators, trainers).
 *
 * <p>With a console (standard input and output on a terminal) it redraws one line in place at
 * every percent; otherwise — a log file, a pipe — it writes a whole line at every tenth of the
 * work, which a file keeps readable. It reads {@link System#err} at each write, so a redirection
 * made after it was built still applies.
 */
public final class ConsoleProgress implements Progress {

    private static final int BAR_WIDTH = 30;

    private final boolean console;
    private String message = "";
    private String trailing = "";
    private long max;
    private long progress;
    private int shown = -1;

    /** A bar without a message or length yet: {@link #reset(String, long, String)} gives them. */
    public ConsoleProgress() {
        console = System.console() != null;
    }

    /**
     * A bar for {@code max} units of work.
     *
     * @param message what the work is, e.g. {@code pretrain}
     * @param max the units of work
     */
    public ConsoleProgress(String message, long max) {
        this();
        reset(message, max, null);
    }

    @Override
    public synchronized void reset(String message, long max, String trailingMessage) {
        this.message = message;
        this.max = max;
        this.trailing = trailingMessage == null ? "" : trailingMessage;
        progress = 0;
        shown = -1;
    }

    @Override
    public synchronized void start(long initialProgress) {
        update(initialProgress);
    }

    @Override
    public synchronized void increment(long increment) {
        update(progress + increment);
    }

    @Override
    public synchronized void update(long progress, String message) {
        this.progress = Math.min(progress, max);
        if (message != null) {
            trailing = message;
        }
        int step = max <= 0 ? 100 : (int) (this.progress * 100 / max);
        int shownStep = console ? step : step / 10 * 10;
        if (shownStep != shown) {
            shown = shownStep;
            draw(step);
        }
    }

    @Override
    public synchronized void end() {
        update(max);
        if (console) {
            System.err.println();
        }
    }

    private void draw(int percent) {
        PrintStream err = System.err;
        if (console) {
            int filled = percent * BAR_WIDTH / 100;
            err.printf(Locale.ROOT, "\r%s %3d%% [%s%s] %d/%d %s", message, percent, "=".repeat(filled), " ".repeat(BAR_WIDTH - filled),
                    progress, max, trailing);
        } else {
            err.printf(Locale.ROOT, "%s %d%% (%d/%d)%s%n", message, percent, progress, max, trailing.isEmpty() ? "" : " " + trailing);
        }
        err.flush();
    }
}

package org.rtseg.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Progress goes to standard error, a line every tenth when there is no console (as under the build). */
class ConsoleProgressTest {

    @Test
    void progressGoesToStandardErrorInTenths() {
        assertNull(System.console(), "the build runs tests without a console");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            ConsoleProgress bar = new ConsoleProgress("work", 40);
            bar.start(0);
            for (int i = 0; i < 40; i++) {
                bar.increment(1);
            }
            bar.end();
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing on standard output");
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(11, lines.size(), String.join("\n", lines));
        assertEquals("work 0% (0/40)", lines.get(0));
        assertEquals("work 50% (20/40)", lines.get(5));
        assertEquals("work 100% (40/40)", lines.get(10));
    }
}

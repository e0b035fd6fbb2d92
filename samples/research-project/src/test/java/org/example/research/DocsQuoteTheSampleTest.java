package org.example.research;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every region docs/library.md quotes is this project's code, character for character. */
class DocsQuoteTheSampleTest {

    private static final Pattern REGION = Pattern.compile("(?s)// \\[doc:(\\w+)]\\n(.*?)\\n\\s*// \\[/doc:\\1]");

    @Test
    void docsQuoteThisCode() throws IOException {
        String doc = Files.readString(Path.of("../../docs/library.md"));
        List<String> quoted = new ArrayList<>();
        for (String file : List.of("src/main/java/org/example/research/SqueezeExcitationLir.java",
                "src/test/java/org/example/research/ResearchWorkflowTest.java")) {
            Matcher region = REGION.matcher(Files.readString(Path.of(file)));
            while (region.find()) {
                String code = dedent(region.group(2));
                assertTrue(doc.contains("```java\n" + code + "\n```"), "docs/library.md does not quote region '" + region.group(1)
                        + "' of " + file + " as it is:\n" + code);
                quoted.add(region.group(1));
            }
        }
        assertEquals(List.of("block", "type", "config", "threads", "pipeline", "evaluate", "dataset", "predict"), quoted);
    }

    /** Removes the indentation common to all non-blank lines. */
    private static String dedent(String code) {
        List<String> lines = code.lines().toList();
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return String.join("\n", lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList());
    }
}

package org.rtseg.latency;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.rtseg.core.KernelCheck;
import org.rtseg.core.TensorMemory;
import org.rtseg.core.blocks.BlockArgs;
import org.rtseg.core.blocks.BlockSpec;
import org.rtseg.core.io.AtomicFiles;

/**
 * A latency dataset on disk: {@code latency.csv} (one measured unit per row) beside {@code
 * dataset.json} (where and how it was measured: device, threads, engine and version, date, host).
 *
 * <p>CSV format (UTF-8, comma-separated, a header row, {@code #} comment lines ignored):
 *
 * <pre>
 * type,in,out,stride,height,width,params,widths,median_ms,iqr_ms,reps
 * lir,112,112,1,64,128,expansion=6,conv1=80;expand=420,3.412,0.051,9
 * </pre>
 *
 * {@code params} and {@code widths} are {@code key=value} pairs joined by {@code ;} (empty when
 * none); {@code iqr_ms} and {@code reps} may be empty (read as 0 and 1). A row with an empty {@code
 * median_ms} is a unit still to be measured. Rows are appended as they are measured, so a killed
 * collection loses at most the row in progress; when a key occurs twice the last row wins.
 */
public final class LatencyDataset {

    /** The measurements file inside a dataset folder. */
    public static final String CSV = "latency.csv";

    /** The metadata file inside a dataset folder. */
    public static final String METADATA = "dataset.json";

    /** The CSV header. */
    public static final String HEADER = "type,in,out,stride,height,width,params,widths,median_ms,iqr_ms,reps";

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private LatencyDataset() {}

    /**
     * The CSV of a dataset folder, or the file itself when given a CSV file.
     *
     * @param dataset a dataset folder or a {@code .csv} file
     * @return the CSV file's path (it need not exist)
     */
    public static Path csv(Path dataset) {
        return Files.isDirectory(dataset) || !dataset.toString().endsWith(".csv") ? dataset.resolve(CSV) : dataset;
    }

    /**
     * Reads every measured row (rows without a latency are skipped), the last row of a key winning.
     *
     * @param dataset a dataset folder or a {@code .csv} file
     * @return one sample per distinct unit, in order of first appearance
     * @throws IOException if the CSV is missing or unreadable, or a row other than a cut-short last
     *     one does not parse
     */
    public static List<Sample> read(Path dataset) throws IOException {
        Map<String, Sample> byKey = new LinkedHashMap<>();
        for (Row r : rows(dataset)) {
            if (r.measurement() != null) {
                byKey.put(Units.key(r.spec()), new Sample(r.spec(), r.measurement()));
            }
        }
        return new ArrayList<>(byKey.values());
    }

    /**
     * A CSV row: a spec and, when measured, its latency.
     *
     * @param spec the unit
     * @param measurement its latency, or null for a unit still to be measured
     */
    public record Row(BlockSpec spec, Measurement measurement) {}

    /**
     * Every row, measured or not, in file order.
     *
     * <p>A last row without a final newline that does not parse (one a kill cut short) is skipped.
     *
     * @param dataset a dataset folder or a {@code .csv} file
     * @return the rows, repeated keys included
     * @throws IOException if the CSV is missing or unreadable, lacks the header, or a row does not
     *     parse
     */
    public static List<Row> rows(Path dataset) throws IOException {
        Path file = csv(dataset);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no latency dataset here; collect one with 'rtseg latency collect' or write "
                    + CSV + " as docs/latency.md describes");
        }
        List<Row> rows = new ArrayList<>();
        boolean header = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (!header) {
                if (!line.replace(" ", "").startsWith("type,in,out,stride,height,width,params,widths,median_ms")) {
                    throw new IOException(file + ":" + (i + 1) + ": expected the header '" + HEADER + "'");
                }
                header = true;
                continue;
            }
            try {
                rows.add(parse(line));
            } catch (RuntimeException e) {
                if (i == lines.size() - 1 && !endsWithNewline(file)) {
                    continue; // the row a kill cut short; the next collection measures it again
                }
                throw new IOException(file + ":" + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return rows;
    }

    private static boolean endsWithNewline(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        return all.length == 0 || all[all.length - 1] == '\n';
    }

    static Row parse(String line) {
        String[] f = line.split(",", -1);
        if (f.length < 9) {
            throw new IllegalArgumentException("expected 11 columns (" + HEADER + "), got " + f.length);
        }
        BlockArgs args = new BlockArgs(Integer.parseInt(f[1].trim()), Integer.parseInt(f[2].trim()), Integer.parseInt(f[3].trim()),
                Units.parseParams(f[6]), Units.parseWidths(f[7]));
        BlockSpec spec = new BlockSpec(f[0].trim(), args, Long.parseLong(f[4].trim()), Long.parseLong(f[5].trim()));
        if (f[8].isBlank()) {
            return new Row(spec, null);
        }
        double iqr = f.length > 9 && !f[9].isBlank() ? Double.parseDouble(f[9].trim()) : 0;
        int reps = f.length > 10 && !f[10].isBlank() ? Integer.parseInt(f[10].trim()) : 1;
        return new Row(spec, new Measurement(Double.parseDouble(f[8].trim()), iqr, reps));
    }

    /**
     * The CSV row of a spec; {@code m} null leaves the latency columns empty.
     *
     * @param spec the unit
     * @param m its latency, or null
     * @return the row, without a line end
     */
    public static String format(BlockSpec spec, Measurement m) {
        BlockArgs a = spec.args();
        String head = String.join(",", spec.type(), Integer.toString(a.inChannels()), Integer.toString(a.outChannels()),
                Integer.toString(a.stride()), Long.toString(spec.height()), Long.toString(spec.width()), Units.formatParams(a.params()),
                Units.formatWidths(a.widths()));
        return m == null ? head + ",,," : head + String.format(Locale.ROOT, ",%.5f,%.5f,%d", m.medianMs(), m.iqrMs(), m.repetitions());
    }

    /**
     * An appending writer, creating the file with its header when absent.
     *
     * <p>A last row that a kill cut short (no final newline) is removed first.
     *
     * @param dataset the dataset folder; created if missing
     * @return a writer of rows; the caller closes it
     * @throws IOException if the CSV cannot be created, truncated or opened
     */
    public static Appender append(Path dataset) throws IOException {
        Files.createDirectories(dataset);
        Path file = dataset.resolve(CSV);
        dropPartialRow(file);
        boolean fresh = !Files.exists(file) || Files.size(file) == 0;
        BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        if (fresh) {
            w.write(HEADER);
            w.newLine();
            w.flush();
        }
        return new Appender(w);
    }

    /** Removes a last row that a kill cut short (no final newline): it is measured again. */
    private static void dropPartialRow(Path file) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        byte[] all = Files.readAllBytes(file);
        if (all.length == 0 || all[all.length - 1] == '\n') {
            return;
        }
        int end = all.length;
        while (end > 0 && all[end - 1] != '\n') {
            end--;
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(end);
        }
    }

    /** Appends rows, each flushed as it is written. */
    public static final class Appender implements AutoCloseable {
        private final BufferedWriter writer;

        private Appender(BufferedWriter writer) {
            this.writer = writer;
        }

        /**
         * Appends one row and flushes it.
         *
         * @param spec the unit
         * @param m its latency, or null for a unit still to be measured
         * @throws IOException if the row cannot be written
         */
        public void write(BlockSpec spec, Measurement m) throws IOException {
            writer.write(format(spec, m));
            writer.newLine();
            writer.flush();
        }

        @Override
        public void close() throws IOException {
            writer.close();
        }
    }

    /**
     * Reads {@code dataset.json}, or an empty object when the dataset has none (e.g. an imported CSV).
     *
     * @param dataset a dataset folder, or a CSV file whose folder holds the metadata
     * @return the metadata object
     * @throws IOException if the file exists but cannot be read or is not JSON
     */
    public static ObjectNode metadata(Path dataset) throws IOException {
        Path file = (Files.isDirectory(dataset) ? dataset : dataset.getParent() == null ? Path.of(".") : dataset.getParent()).resolve(METADATA);
        return Files.exists(file) ? (ObjectNode) JSON.readTree(file.toFile()) : JSON.createObjectNode();
    }

    /**
     * Writes {@code dataset.json}, atomically.
     *
     * @param dataset the dataset folder; created if missing
     * @param metadata the object to write
     * @throws IOException if the file cannot be written
     */
    public static void writeMetadata(Path dataset, ObjectNode metadata) throws IOException {
        Files.createDirectories(dataset);
        AtomicFiles.writeString(dataset.resolve(METADATA), JSON.writeValueAsString(metadata));
    }

    /**
     * The metadata key of the form a dataset's units were timed in ({@link DjlLatencyMeter.Form}):
     * {@code eval} or {@code deploy}; datasets without it were timed in the eval form.
     */
    public static final String FORM = "form";

    /**
     * The form a dataset's metadata records.
     *
     * @param metadata a dataset's metadata, or a model's {@code measuredOn}; null reads as none recorded
     * @return the form its units were timed in
     * @throws IllegalArgumentException if the recorded form is neither {@code eval} nor {@code deploy}
     */
    public static DjlLatencyMeter.Form form(ObjectNode metadata) {
        return metadata == null ? DjlLatencyMeter.Form.EVAL : DjlLatencyMeter.Form.of(metadata.path(FORM).asText("eval"));
    }

    /**
     * The metadata key of the C heap's setting a dataset was measured under: {@code reuse} ({@link
     * TensorMemory}) or {@code system}; datasets without it were measured under glibc's defaults.
     */
    public static final String C_HEAP = "c_heap";

    /** The metadata key of oneDNN's instruction-set cap ({@code ONEDNN_MAX_CPU_ISA}) the latencies were measured under; {@code none} without one. */
    public static final String ONEDNN_ISA_CAP = "onednn_isa_cap";

    /**
     * The C heap's setting a dataset's metadata records.
     *
     * @param metadata a dataset's metadata
     * @return {@code reuse} or {@code system}
     */
    public static String cHeap(ObjectNode metadata) {
        return metadata.path(C_HEAP).asText("system");
    }

    /**
     * Metadata describing this JVM's measurement setup: device, threads, engine, date, host.
     *
     * @param device the device the latencies are measured on, as a label (e.g. {@code cpu()})
     * @return a new object with device, threads, engine, C heap setting ({@link TensorMemory}), date,
     *     cpu (name, family and model), oneDNN's instruction-set cap, cores, os and java
     */
    public static ObjectNode hostMetadata(String device) {
        ObjectNode m = JSON.createObjectNode();
        m.put("device", device);
        m.put("threads", DjlLatencyMeter.threads());
        m.put("engine", DjlLatencyMeter.engine());
        m.put(C_HEAP, TensorMemory.applied() ? "reuse" : "system");
        m.put("date", java.time.OffsetDateTime.now().withNano(0).toString());
        m.put("cpu", cpuModel());
        // Latencies hold only for the kernels that ran them: the same CPU name covers hosts of other
        // generations here, and the SSE4.1 cap (README, "Platform note") changes every kernel.
        m.put(ONEDNN_ISA_CAP, System.getenv().getOrDefault(KernelCheck.ISA_VARIABLE, "none"));
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.version"));
        return m;
    }

    /** The CPU's name with its family and model numbers (e.g. {@code AMD EPYC (family 26, model 2)}); the architecture off Linux. */
    static String cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            String name = cpuinfo(lines, "model name");
            String family = cpuinfo(lines, "cpu family");
            String model = cpuinfo(lines, "model");
            if (name != null) {
                return family == null || model == null ? name : name + " (family " + family + ", model " + model + ")";
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    /** The value of the first /proc/cpuinfo line whose key is exactly {@code key}; null if none. */
    static String cpuinfo(List<String> lines, String key) {
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals(key)) {
                return line.substring(colon + 1).strip();
            }
        }
        return null;
    }
}

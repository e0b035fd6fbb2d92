package org.rtseg.examples;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.output.CategoryMask;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.rtseg.core.deploy.DeployGraph;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.io.Npy;
import org.rtseg.core.supernet.Supernet;
import org.rtseg.data.DataConfig;
import org.rtseg.data.DatasetTypes;
import org.rtseg.data.ImageFiles;
import org.rtseg.data.LabelFormat;
import org.rtseg.data.LabelMap;
import org.rtseg.data.RgbImage;
import org.rtseg.data.SyntheticScenes;
import org.rtseg.data.eval.PredictionWriter;
import org.rtseg.inference.SegmentationTranslator;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rtseg infer}: a model on images (colour masks, overlays, official label PNGs, through the DJL
 * {@link SegmentationTranslator}) or on an NCHW tensor (.npy logits).
 */
@Command(name = "infer", mixinStandardHelpOptions = true,
        description = {"Runs a model (training or deploy form) in eval mode.",
            "--image PATH|DIR --out DIR: writes <name>_color.png per image (the dataset palette), with --overlay <name>_overlay.png,"
                    + " with --label-ids labelIds/<name>.png in the dataset's official format (Cityscapes labelIds).",
            "--input x.npy --logits out.npy: an N×3×H×W float32 tensor (already normalised) to its logits."})
final class InferCommand implements Callable<Integer> {

    @Mixin RuntimeOptions runtime;

    /** The formats a model is drawn with by its class count when no --dataset is given. */
    private static final List<LabelFormat> OFFICIAL = List.of(LabelFormat.CITYSCAPES, LabelFormat.VOC, LabelFormat.ADE20K, LabelFormat.CAMVID);

    /** Image files read from a folder. */
    private static final List<String> IMAGE_SUFFIXES = List.of(".png", ".jpg", ".jpeg");

    @Option(names = "--model", required = true, description = "a model directory (config.json + params; training or deploy form)")
    Path modelDir;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    static final class Mode {
        @ArgGroup(exclusive = false)
        NpyTensors tensors;

        @ArgGroup(exclusive = false)
        Images images;
    }

    static final class NpyTensors {
        @Option(names = "--input", required = true, description = "input tensor .npy, N×3×H×W float32")
        Path input;

        @Option(names = "--logits", required = true, description = "output .npy for the main logits N×C×H×W")
        Path logits;

        @Option(names = "--aux", description = "also write the aux-head logits beside the main ones (<name>.aux0.npy …)")
        boolean aux;
    }

    static final class Images {
        @Option(names = "--image", required = true, description = "an image (PNG/JPEG) or a folder of them")
        Path image;

        @Option(names = "--out", required = true, description = "the folder to write into")
        Path out;

        @Option(names = "--overlay", description = "also write the image blended with the colour mask")
        boolean overlay;

        @Option(names = "--label-ids", description = "also write the prediction in the dataset's official format under labelIds/")
        boolean labelIds;

        @Option(names = "--dataset", description = "synthetic or a registered dataset (cityscapes, voc, ade20k, camvid, folder, …):"
                + " class names and palette (default: from the model's class count, 19 cityscapes, 21 voc, 150 ade20k, 11 camvid,"
                + " else synthetic)")
        String dataset;

        @Option(names = "--root", description = "the dataset root, for a dataset that describes its classes in its files"
                + " (folder: <root>/dataset.json)")
        Path root;
    }

    @Override
    public Integer call() throws Exception {
        try (Model model = DeployGraph.loadForInference(modelDir, runtime.device())) {
            if (mode.tensors != null) {
                tensors(model, mode.tensors);
            } else {
                images(model, mode.images);
            }
        }
        return 0;
    }

    private static void tensors(Model model, NpyTensors t) throws IOException {
        Supernet net = ModelDirectory.network(model);
        NDArray x = Npy.readArray(model.getNDManager(), t.input);
        if (x.getDataType() != DataType.FLOAT32 || x.getShape().dimension() != 4 || x.getShape().get(1) != 3) {
            throw new IOException(t.input + ": expected a float32 N×3×H×W tensor, got " + x.getDataType() + " " + x.getShape());
        }
        if (t.aux && net.auxHeads().isEmpty()) {
            throw new IOException("--aux: the model has no aux heads (a deploy model drops them); use the trained model directory");
        }
        x = x.toDevice(model.getNDManager().getDevice(), false);
        ParameterStore ps = new ParameterStore(model.getNDManager(), false);
        NDList out = net.logits(ps, x, false, t.aux);
        // Write the aux files first: the main logits appearing means the run completed.
        for (int i = 1; i < out.size(); i++) {
            Npy.write(out.get(i), sibling(t.logits, ".aux" + (i - 1)));
        }
        Npy.write(out.get(0), t.logits);
        System.out.printf("wrote %s%s%n", t.logits, out.size() > 1 ? " and " + (out.size() - 1) + " aux logits" : "");
    }

    private static void images(Model model, Images options) throws Exception {
        LabelFormat format = format(options.dataset, options.root, ModelDirectory.network(model).config().numClasses());
        PredictionWriter writer = new PredictionWriter(format);
        List<Path> files = imageFiles(options.image);
        try (Predictor<Image, CategoryMask> predictor = model.newPredictor(SegmentationTranslator.of(format))) {
            for (Path file : files) {
                RgbImage rgb = ImageFiles.readRgb(file);
                LabelMap classes = classes(predictor.predict(toImage(rgb)));
                String name = stem(file);
                writer.writeColorMask(options.out.resolve(name + "_color.png"), classes);
                if (options.overlay) {
                    writer.writeOverlay(options.out.resolve(name + "_overlay.png"), rgb, classes, 0.5);
                }
                if (options.labelIds) {
                    writer.writeOfficial(options.out.resolve("labelIds"), name, classes);
                }
            }
        }
        System.out.printf("wrote predictions of %d image%s (%s classes) to %s%n", files.size(), files.size() == 1 ? "" : "s",
                format.name(), options.out);
    }

    /**
     * The class names and palette: the named dataset (at {@code root}, for a type that reads its classes
     * there), else the official dataset with the model's class count, else synthetic scenes.
     */
    static LabelFormat format(String dataset, Path root, int classes) throws IOException {
        LabelFormat format;
        if (dataset == null) {
            format = OFFICIAL.stream().filter(f -> f.numClasses() == classes).findFirst()
                    .orElseGet(() -> SyntheticScenes.formatFor(classes));
        } else if (dataset.equals(DataConfig.SYNTHETIC)) {
            format = SyntheticScenes.formatFor(classes);
        } else if (DatasetTypes.has(dataset)) {
            format = DatasetTypes.get(dataset).format(root);
        } else {
            throw new IllegalArgumentException("--dataset must be " + DataConfig.SYNTHETIC + " or one of "
                    + String.join(", ", DatasetTypes.names()) + ", was " + dataset);
        }
        if (format.numClasses() != classes) {
            throw new IllegalArgumentException("--dataset " + dataset + " has " + format.numClasses() + " classes but the model predicts "
                    + classes + "; name the dataset the model was trained on");
        }
        return format;
    }

    private static List<Path> imageFiles(Path image) throws IOException {
        if (!Files.exists(image)) {
            throw new NoSuchFileException(image.toString(), null, "no such image or folder; give a PNG/JPEG file or a folder of them");
        }
        if (!Files.isDirectory(image)) {
            return List.of(image);
        }
        try (Stream<Path> listing = Files.list(image)) {
            List<Path> files = listing.filter(p -> IMAGE_SUFFIXES.stream().anyMatch(s -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(s)))
                    .sorted().toList();
            if (files.isEmpty()) {
                throw new IOException(image + ": no .png, .jpg or .jpeg images in this folder");
            }
            return files;
        }
    }

    /** The RGB bytes as a DJL image (ARGB ints). */
    private static Image toImage(RgbImage rgb) {
        byte[] p = rgb.pixels();
        int[] argb = new int[rgb.width() * rgb.height()];
        for (int i = 0; i < argb.length; i++) {
            argb[i] = 0xFF000000 | (p[3 * i] & 0xFF) << 16 | (p[3 * i + 1] & 0xFF) << 8 | (p[3 * i + 2] & 0xFF);
        }
        return ImageFactory.getInstance().fromPixels(argb, rgb.width(), rgb.height());
    }

    private static LabelMap classes(CategoryMask mask) {
        int[][] m = mask.getMask();
        int width = m[0].length;
        byte[] values = new byte[m.length * width];
        for (int y = 0; y < m.length; y++) {
            for (int x = 0; x < width; x++) {
                values[y * width + x] = (byte) m[y][x];
            }
        }
        return new LabelMap(width, m.length, values);
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static Path sibling(Path file, String suffix) {
        String name = file.getFileName().toString();
        String stem = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
        return file.resolveSibling(stem + suffix + ".npy");
    }
}

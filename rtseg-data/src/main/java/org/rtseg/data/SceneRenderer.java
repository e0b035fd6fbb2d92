package org.rtseg.data;

import java.util.SplittableRandom;

/** Draws one {@link SyntheticScenes} scene: painter's algorithm on a label map and an RGB float canvas. */
final class SceneRenderer {

    private static final int SKY = 0;
    private static final int ROAD = 1;
    private static final int SIDEWALK = 2;
    private static final int BUILDING = 3;
    private static final int VEGETATION = 4;
    private static final int CAR = 5;
    private static final int POLE = 6;
    private static final int PERSON = 7;

    /** Colour of one pixel of a surface. */
    @FunctionalInterface
    private interface Shader {
        void shade(int x, int y, float[] rgb);
    }

    private final int w;
    private final int h;
    private final int classes;
    private final SplittableRandom random;
    private final long salt;
    private final byte[] label;
    private final float[] canvas;
    private final float[] pixel = new float[3];
    private int horizon;
    private double vanishX;
    private double leftBottom;
    private double rightBottom;

    SceneRenderer(int width, int height, int classes, SplittableRandom random) {
        this.w = width;
        this.h = height;
        this.classes = classes;
        this.random = random;
        this.salt = random.nextLong();
        this.label = new byte[w * h];
        this.canvas = new float[w * h * 3];
    }

    LabeledImage render(String key) {
        ground();
        skyline();
        if (has(POLE)) {
            repeat(3, this::pole);
        }
        if (has(CAR)) {
            repeat(4, this::car);
        }
        if (has(PERSON)) {
            repeat(3, this::person);
        }
        for (int c = PERSON + 1; c < classes; c++) {
            if (random.nextBoolean()) {
                stripedObject(c);
            }
        }
        return new LabeledImage(key, new RgbImage(w, h, finish()), new LabelMap(w, h, label));
    }

    private boolean has(int cls) {
        return cls < classes;
    }

    private void repeat(int max, Runnable draw) {
        for (int i = random.nextInt(max + 1); i > 0; i--) {
            draw.run();
        }
    }

    /** Sky with a vertical gradient above the horizon; road in perspective and sidewalks below. */
    private void ground() {
        horizon = (int) (h * random.nextDouble(0.35, 0.55));
        vanishX = w * random.nextDouble(0.3, 0.7);
        leftBottom = w * random.nextDouble(-0.3, 0.2);
        rightBottom = w * random.nextDouble(0.8, 1.3);
        boolean overcast = random.nextDouble() < 0.4;
        float[] sky = overcast ? grey(random.nextDouble(110, 170)) : new float[] {
            (float) random.nextDouble(60, 110), (float) random.nextDouble(110, 160), (float) random.nextDouble(180, 230)};
        float[] road = grey(random.nextDouble(75, 135));
        float[] walk = grey(random.nextDouble(85, 145));
        int tile = Math.max(3, h / 12);
        fill(0, 0, w, horizon, SKY, (x, y, p) -> {
            float lift = 40f * y / Math.max(1, horizon);
            set(p, sky, lift + 2 * noise(x, y, 1));
        });
        int dash = Math.max(2, h / 10);
        fill(0, horizon, w, h, ROAD, (x, y, p) -> {
            double t = (double) (y - horizon) / (h - horizon);
            double centre = vanishX + ((leftBottom + rightBottom) / 2 - vanishX) * t;
            boolean mark = Math.abs(x - centre) < 0.4 + t * w / 80.0 && (y / dash) % 2 == 0;
            set(p, road, mark ? 110 : 14 * noise(x, y, 2));
        });
        if (has(SIDEWALK)) {
            for (int y = horizon; y < h; y++) {
                double t = (double) (y - horizon) / (h - horizon);
                int left = (int) Math.round(vanishX + (leftBottom - vanishX) * t);
                int right = (int) Math.round(vanishX + (rightBottom - vanishX) * t);
                Shader tiles = (x, yy, p) -> set(p, walk, (x % tile == 0 || yy % tile == 0 ? -35 : 0) + 5 * noise(x, yy, 3));
                fill(0, y, Math.max(0, left), y + 1, SIDEWALK, tiles);
                fill(Math.min(w, right + 1), y, w, y + 1, SIDEWALK, tiles);
            }
        }
    }

    /** Blocks of buildings with window grids, trees with ragged crowns, and gaps of sky. */
    private void skyline() {
        int x = 0;
        while (x < w) {
            int blockWidth = Math.max(2, (int) (w * random.nextDouble(0.08, 0.25)));
            int top = (int) (horizon - h * random.nextDouble(0.08, 0.4));
            int bottom = Math.min(h, horizon + Math.max(1, h / 25));
            double kind = random.nextDouble();
            if (kind < 0.6 && has(BUILDING)) {
                building(x, Math.max(0, top), Math.min(w, x + blockWidth), bottom);
            } else if (kind < 0.85 && has(VEGETATION)) {
                tree(x, Math.max(0, top), Math.min(w, x + blockWidth), bottom);
            }
            x += blockWidth;
        }
    }

    private void building(int x0, int y0, int x1, int y1) {
        float[] wall = grey(random.nextDouble(70, 170));
        wall[0] += 12;
        wall[1] += 6;
        int cell = Math.max(4, w / 30);
        float windowShift = random.nextBoolean() ? -60 : 45;
        fill(x0, y0, x1, y1, BUILDING, (x, y, p) -> {
            int cx = (x - x0) % cell;
            int cy = (y - y0) % cell;
            boolean window = cx > cell / 4 && cx < cell * 3 / 4 && cy > cell / 4 && cy < cell * 3 / 4;
            set(p, wall, (window ? windowShift : 0) + 4 * noise(x, y, 4));
        });
    }

    private void tree(int x0, int y0, int x1, int y1) {
        float[] leaf = {(float) random.nextDouble(40, 90), (float) random.nextDouble(90, 150), (float) random.nextDouble(20, 60)};
        int amplitude = Math.max(1, (y1 - y0) / 4);
        for (int x = x0; x < x1; x++) {
            int top = y0 + (int) ((valueNoise(x, 0, 5, 6) + 1) * amplitude / 2);
            fill(x, Math.max(0, top), x + 1, y1, VEGETATION,
                    (xx, yy, p) -> set(p, leaf, 30 * valueNoise(xx, yy, 3, 7) + 10 * noise(xx, yy, 8)));
        }
    }

    /** A row below the horizon, and the road's left and right edge in that row. */
    private int[] groundRow(double minDepth) {
        int y = (int) (horizon + (h - horizon) * random.nextDouble(minDepth, 1.0));
        y = Math.min(h - 1, Math.max(horizon + 1, y));
        double t = (double) (y - horizon) / (h - horizon);
        return new int[] {y, (int) (vanishX + (leftBottom - vanishX) * t), (int) (vanishX + (rightBottom - vanishX) * t)};
    }

    private void pole() {
        int[] row = groundRow(0.1);
        int y = row[0];
        double t = (double) (y - horizon) / (h - horizon);
        // Thick enough to survive a stride-8 network at demo sizes, as real poles do at 2048 px.
        int thickness = Math.max(2, (int) Math.round(t * w / 30));
        int x = sideOfRoad(row, thickness);
        int top = Math.max(0, (int) (y - (y - horizon + h * 0.1) * random.nextDouble(1.5, 2.5)));
        float[] metal = grey(random.nextDouble(90, 150));
        fill(x, top, x + thickness, y + 1, POLE, (xx, yy, p) -> set(p, metal, 3 * noise(xx, yy, 9)));
    }

    private void car() {
        int[] row = groundRow(0.15);
        int y = row[0];
        double t = (double) (y - horizon) / (h - horizon);
        int carHeight = Math.max(3, (int) (t * h * 0.3));
        int carWidth = (int) (carHeight * random.nextDouble(1.8, 2.4));
        int left = Math.max(row[1], 0);
        int right = Math.min(row[2], w) - carWidth;
        int x = right > left ? left + random.nextInt(right - left) : Math.max(0, (w - carWidth) / 2);
        float[] paint = carPaint();
        int body = y - carHeight * 6 / 10;
        int inset = carWidth / 6;
        int wheel = Math.max(1, carHeight / 4);
        fill(x + inset, y - carHeight, x + carWidth - inset, body, CAR,
                (xx, yy, p) -> set(p, paint, -70 + 3 * noise(xx, yy, 10)));
        fill(x, body, x + carWidth, y + 1, CAR, (xx, yy, p) -> {
            boolean tyre = yy > y - wheel && ((xx - x) < wheel * 2 || (x + carWidth - xx) <= wheel * 2);
            if (tyre) {
                set(p, grey(25), 3 * noise(xx, yy, 11));
            } else {
                set(p, paint, 4 * noise(xx, yy, 12));
            }
        });
    }

    private float[] carPaint() {
        return switch (random.nextInt(6)) {
            case 0 -> grey(220);
            case 1 -> grey(35);
            case 2 -> new float[] {170, 30, 30};
            case 3 -> new float[] {30, 50, 150};
            default -> grey(random.nextDouble(60, 180));
        };
    }

    private void person() {
        int[] row = groundRow(0.2);
        int y = row[0];
        double t = (double) (y - horizon) / (h - horizon);
        int personHeight = Math.max(4, (int) (t * h * 0.45));
        int personWidth = Math.max(1, personHeight * 3 / 10);
        int x = sideOfRoad(row, personWidth);
        float[] clothes = {(float) random.nextDouble(20, 230), (float) random.nextDouble(20, 230), (float) random.nextDouble(20, 230)};
        float[] skin = {(float) random.nextDouble(140, 230), (float) random.nextDouble(100, 180), (float) random.nextDouble(80, 150)};
        int head = Math.max(1, personHeight / 5);
        int legs = y - personHeight * 2 / 5;
        fill(x + personWidth / 4, y - personHeight, x + personWidth - personWidth / 4, y - personHeight + head, PERSON,
                (xx, yy, p) -> set(p, skin, 3 * noise(xx, yy, 13)));
        fill(x, y - personHeight + head, x + personWidth, legs, PERSON,
                (xx, yy, p) -> set(p, clothes, 4 * noise(xx, yy, 14)));
        fill(x + personWidth / 5, legs, x + personWidth - personWidth / 5, y + 1, PERSON,
                (xx, yy, p) -> set(p, clothes, -50 + 4 * noise(xx, yy, 15)));
    }

    /** An x position beside the road (sidewalk side) for an object of {@code width}. */
    private int sideOfRoad(int[] row, int width) {
        boolean leftSide = random.nextBoolean();
        int lo = leftSide ? 0 : Math.max(0, row[2] + 1);
        int hi = leftSide ? Math.min(w, row[1]) - width : w - width;
        if (hi <= lo) {
            return Math.max(0, Math.min(w - width, leftSide ? 0 : w - width));
        }
        return lo + random.nextInt(hi - lo);
    }

    /** An ellipse with class-specific stripes: extra classes beyond the eight street classes. */
    private void stripedObject(int cls) {
        int radiusY = Math.max(2, (int) (h * random.nextDouble(0.04, 0.12)));
        int radiusX = Math.max(2, (int) (radiusY * random.nextDouble(0.7, 1.6)));
        int cy = horizon + random.nextInt(Math.max(1, h - horizon));
        int cx = random.nextInt(w);
        float[] base = {(float) random.nextDouble(40, 220), (float) random.nextDouble(40, 220), (float) random.nextDouble(40, 220)};
        double angle = Math.toRadians((cls * 37) % 180);
        int period = 2 + cls % 5;
        double ca = Math.cos(angle);
        double sa = Math.sin(angle);
        for (int y = Math.max(0, cy - radiusY); y < Math.min(h, cy + radiusY + 1); y++) {
            for (int x = Math.max(0, cx - radiusX); x < Math.min(w, cx + radiusX + 1); x++) {
                double dx = (double) (x - cx) / radiusX;
                double dy = (double) (y - cy) / radiusY;
                if (dx * dx + dy * dy <= 1) {
                    boolean stripe = Math.floorMod((int) Math.floor(x * ca + y * sa), period * 2) < period;
                    set(pixel, base, (stripe ? 40 : -40) + 3 * noise(x, y, 16));
                    paint(x, y, cls, pixel);
                }
            }
        }
    }

    private void fill(int x0, int y0, int x1, int y1, int cls, Shader shader) {
        for (int y = Math.max(0, y0); y < Math.min(h, y1); y++) {
            for (int x = Math.max(0, x0); x < Math.min(w, x1); x++) {
                shader.shade(x, y, pixel);
                paint(x, y, cls, pixel);
            }
        }
    }

    private void paint(int x, int y, int cls, float[] rgb) {
        int i = y * w + x;
        label[i] = (byte) cls;
        canvas[3 * i] = rgb[0];
        canvas[3 * i + 1] = rgb[1];
        canvas[3 * i + 2] = rgb[2];
    }

    /** Illumination and dusk applied to the whole scene, then quantised to bytes. */
    private byte[] finish() {
        float light = (float) random.nextDouble(0.75, 1.25);
        float saturation = random.nextDouble() < 0.3 ? 0.3f : 1f;
        byte[] out = new byte[canvas.length];
        for (int i = 0; i < canvas.length; i += 3) {
            float grey = 0.299f * canvas[i] + 0.587f * canvas[i + 1] + 0.114f * canvas[i + 2];
            for (int c = 0; c < 3; c++) {
                float v = (grey + (canvas[i + c] - grey) * saturation) * light;
                out[i + c] = (byte) Math.round(Math.min(255f, Math.max(0f, v)));
            }
        }
        return out;
    }

    private static void set(float[] out, float[] base, double shift) {
        out[0] = (float) (base[0] + shift);
        out[1] = (float) (base[1] + shift);
        out[2] = (float) (base[2] + shift);
    }

    private static float[] grey(double v) {
        return new float[] {(float) v, (float) v, (float) v};
    }

    /** Deterministic white noise in [-1, 1] per pixel and channel-independent stream {@code k}. */
    private float noise(int x, int y, int k) {
        long z = salt + x * 0x9E3779B97F4A7C15L + y * 0xC2B2AE3D27D4EB4FL + k * 0x165667B19E3779F9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 40) / (float) (1L << 23) - 1f;
    }

    /** Smooth noise in [-1, 1]: white noise on a grid of {@code cell} pixels, bilinearly interpolated. */
    private float valueNoise(int x, int y, int cell, int k) {
        int gx = Math.floorDiv(x, cell);
        int gy = Math.floorDiv(y, cell);
        float fx = (float) (x - gx * cell) / cell;
        float fy = (float) (y - gy * cell) / cell;
        float top = noise(gx, gy, k) * (1 - fx) + noise(gx + 1, gy, k) * fx;
        float bottom = noise(gx, gy + 1, k) * (1 - fx) + noise(gx + 1, gy + 1, k) * fx;
        return top * (1 - fy) + bottom * fy;
    }
}

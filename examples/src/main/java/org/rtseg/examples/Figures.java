package org.rtseg.examples;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.geom.Ellipse2D;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedRangeXYPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.Range;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.rtseg.core.io.AtomicFiles;
import org.rtseg.search.SegmentationTrainer;

/** The demo's pictures, drawn with JFreeChart. */
final class Figures {

    /** A labelled point of the latency–mIoU plot. */
    record Point(String name, double ms, double miou) {}

    /** A vertical reference line. */
    record Marker(String label, double ms) {}

    private Figures() {}

    /** Loss per iteration of each phase. */
    static void trainingCurves(Path file, Map<String, List<SegmentationTrainer.Step>> phases) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        phases.forEach((name, steps) -> {
            XYSeries s = new XYSeries(name);
            steps.forEach(step -> s.add(step.iteration(), step.loss()));
            data.addSeries(s);
        });
        JFreeChart chart = ChartFactory.createXYLineChart("Training curves", "iteration", "loss (eq. 12 terms)", data,
                PlotOrientation.VERTICAL, true, false, false);
        save(chart, file);
    }

    /** mIoU against measured latency, with reference latencies as vertical lines. */
    static void latencyMiou(Path file, String title, List<Point> points, List<Marker> markers) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Point p : points) {
            XYSeries s = new XYSeries(p.name());
            s.add(p.ms(), p.miou());
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createScatterPlot(title, "latency (ms)", "mIoU", data,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (Point p : points) {
            lo = Math.min(lo, p.ms());
            hi = Math.max(hi, p.ms());
        }
        for (Marker m : markers) {
            lo = Math.min(lo, m.ms());
            hi = Math.max(hi, m.ms());
        }
        plot.getDomainAxis().setRange(0.8 * lo, 1.15 * hi);
        plot.getRangeAxis().setRange(0, 1);
        for (Marker m : markers) {
            ValueMarker line = new ValueMarker(m.ms(), Color.GRAY, new BasicStroke(1f, BasicStroke.CAP_BUTT,
                    BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            line.setLabel(m.label());
            plot.addDomainMarker(line);
        }
        save(chart, file);
    }

    /** A network of the Pareto figure: its measured latency, its MACs and its mIoU. */
    record ParetoPoint(String name, double ms, double gmacs, double miou) {}

    /** mIoU against measured latency (left) and against GMACs (right), one labelled point per network, axes fitted to the points. */
    static void pareto(Path file, String title, List<ParetoPoint> points) throws IOException {
        NumberAxis miou = new NumberAxis("mIoU");
        miou.setRange(padded(points.stream().mapToDouble(ParetoPoint::miou).toArray()));
        CombinedRangeXYPlot plot = new CombinedRangeXYPlot(miou);
        plot.add(scatter(points, "latency (ms)", ParetoPoint::ms));
        plot.add(scatter(points, "GMACs", ParetoPoint::gmacs));
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        save(chart, file, 1100, 520);
    }

    private static XYPlot scatter(List<ParetoPoint> points, String axis, ToDoubleFunction<ParetoPoint> x) {
        XYSeries series = new XYSeries(axis, false);
        points.forEach(p -> series.add(x.applyAsDouble(p), p.miou()));
        NumberAxis domain = new NumberAxis(axis);
        domain.setRange(padded(points.stream().mapToDouble(x).toArray()));
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(false, true);
        renderer.setDefaultItemLabelGenerator((data, s, item) -> String.format(Locale.ROOT, "%s %.3f", points.get(item).name(),
                points.get(item).miou()));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setSeriesShape(0, new Ellipse2D.Double(-5, -5, 10, 10));
        XYPlot plot = new XYPlot(new XYSeriesCollection(series), domain, null, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return plot;
    }

    /** The values' range widened by a fifth of its span on each side (a tenth of the value when all are equal). */
    private static Range padded(double[] values) {
        double lo = Arrays.stream(values).min().orElseThrow();
        double hi = Arrays.stream(values).max().orElseThrow();
        double pad = hi > lo ? (hi - lo) / 5 : Math.max(Math.abs(hi) / 10, 1e-3);
        return new Range(lo - pad, hi + pad);
    }

    private static void save(JFreeChart chart, Path file) throws IOException {
        chart.getXYPlot().setBackgroundPaint(Color.WHITE);
        chart.getXYPlot().setDomainGridlinePaint(Color.LIGHT_GRAY);
        chart.getXYPlot().setRangeGridlinePaint(Color.LIGHT_GRAY);
        save(chart, file, 900, 560);
    }

    private static void save(JFreeChart chart, Path file, int width, int height) throws IOException {
        chart.setBackgroundPaint(Color.WHITE);
        AtomicFiles.write(file, out -> ChartUtils.writeChartAsPNG(out, chart, width, height));
    }
}

package org.rtseg.examples;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
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

    private static void save(JFreeChart chart, Path file) throws IOException {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getXYPlot().setBackgroundPaint(Color.WHITE);
        chart.getXYPlot().setDomainGridlinePaint(Color.LIGHT_GRAY);
        chart.getXYPlot().setRangeGridlinePaint(Color.LIGHT_GRAY);
        AtomicFiles.write(file, out -> ChartUtils.writeChartAsPNG(out, chart, 900, 560));
    }
}

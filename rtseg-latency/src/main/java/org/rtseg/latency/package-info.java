/**
 * RTSeg latency (paper §Latency constraint, eq. 9): block latencies measured on a device ({@link
 * org.rtseg.latency.DjlLatencyMeter}) or imported from elsewhere ({@link
 * org.rtseg.latency.CsvLatencyMeter}), the 5-layer MLP predictor ({@link
 * org.rtseg.latency.LatencyMlp}), the decomposition of a network into timed units ({@link
 * org.rtseg.latency.NetworkUnits}) and the differentiable latency regulariser ({@link
 * org.rtseg.latency.LatencyCost}).
 */
package org.rtseg.latency;

package io.splitemu.planner.cpsl;

import io.splitemu.planner.latency.ClusterAssignment;
import io.splitemu.planner.latency.LatencyBreakdown;
import java.util.List;

/**
 * The small-timescale decision for one round: clusters in visiting order with their shares, and
 * the predicted latency.
 *
 * @param cut the cut in force
 * @param clusters clusters in the order they are visited, device indexes into the observed list
 * @param deviceIds the ids of each cluster's members, same order as {@code clusters}
 * @param predicted predicted round latency (SchemeLatency.cpslRound of these clusters)
 * @param clusterLatency predicted visit latency per cluster
 */
public record RoundPlan(
    int cut,
    List<ClusterAssignment> clusters,
    List<List<String>> deviceIds,
    LatencyBreakdown predicted,
    List<LatencyBreakdown> clusterLatency) {}

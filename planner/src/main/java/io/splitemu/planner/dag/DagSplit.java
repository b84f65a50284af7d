package io.splitemu.planner.dag;

import java.util.List;

/**
 * One device/server partition of a DAG model with its cost T(D) of LATENCY-MODEL.md section 5.
 *
 * @param model model name
 * @param layers number of layers in the model
 * @param method how the partition was found: {@code mincut}, {@code blockwise}, {@code chain},
 *     {@code blockchain}, {@code regression}, {@code device}, {@code server} or {@code bruteforce}
 * @param deviceLayers layer names kept on the device, in topological order
 * @param serverLayers layer names run on the server, in topological order
 * @param crossingTensors device tensors read by some server layer (the raw input is {@code input}),
 *     each charged once
 * @param costSeconds T(D) for one training iteration, recomputed from the partition
 * @param deviceComputeSeconds b times the device layers' forward plus backward FLOPs over phi_dev
 * @param serverComputeSeconds b times the server layers' forward plus backward FLOPs over phi_srv
 * @param communicationSeconds activations up and gradients down for the crossing tensors, plus the
 *     raw input up when a server layer reads it
 * @param solveMillis wall-clock milliseconds the solver took (0 for a pure evaluation)
 */
public record DagSplit(
    String model,
    int layers,
    String method,
    List<String> deviceLayers,
    List<String> serverLayers,
    List<String> crossingTensors,
    double costSeconds,
    double deviceComputeSeconds,
    double serverComputeSeconds,
    double communicationSeconds,
    double solveMillis) {

  public DagSplit {
    deviceLayers = List.copyOf(deviceLayers);
    serverLayers = List.copyOf(serverLayers);
    crossingTensors = List.copyOf(crossingTensors);
  }

  /** The same partition labelled with another method and solve time. */
  DagSplit relabel(String newMethod, double millis) {
    return new DagSplit(
        model,
        layers,
        newMethod,
        deviceLayers,
        serverLayers,
        crossingTensors,
        costSeconds,
        deviceComputeSeconds,
        serverComputeSeconds,
        communicationSeconds,
        millis);
  }
}

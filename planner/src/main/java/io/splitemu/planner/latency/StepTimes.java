package io.splitemu.planner.latency;

/**
 * The four device-side times of one split step (LATENCY-MODEL.md section 3).
 *
 * @param forward tF, device forward compute
 * @param uplink tU, activations and int32 labels up
 * @param downlink tD, cut-layer gradients down
 * @param backward tB, device backward compute
 */
public record StepTimes(double forward, double uplink, double downlink, double backward) {}

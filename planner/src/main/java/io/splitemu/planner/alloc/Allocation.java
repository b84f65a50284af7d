package io.splitemu.planner.alloc;

/**
 * The result of a min-max share allocation.
 *
 * @param shares share per item, summing to at most 1 (to 1 up to rounding when any item needs one)
 * @param makespan the largest finish time {@code max_n (A_n + B_n / rate_n(x_n))}
 */
public record Allocation(double[] shares, double makespan) {}

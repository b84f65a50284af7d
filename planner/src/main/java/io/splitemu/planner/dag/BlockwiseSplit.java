package io.splitemu.planner.dag;

/**
 * The block-wise split (single-entry, single-exit blocks collapsed) next to the full min-cut.
 *
 * @param split the block-wise partition, expanded to layers and priced on the full graph
 * @param blocks number of vertices of the collapsed graph
 * @param full the min-cut partition of the uncollapsed graph
 * @param gapSeconds {@code split.costSeconds() - full.costSeconds()}, never negative
 */
public record BlockwiseSplit(DagSplit split, int blocks, DagSplit full, double gapSeconds) {}

package io.splitemu.actors.results;

/**
 * The model memory a node holds in a round, as the runtime decided it at the round's start (a split
 * scheme: the largest device slice and the server's copies at the cuts of the round's plans): for
 * the live metrics and {@code summary.json}, which keeps each node's peak over the rounds.
 *
 * @param node the node as {@code summary.json} names it ({@code device}, {@code edge})
 * @param bytes model (parameter) bytes the node holds
 */
public record MemoryRecord(int round, String node, long bytes) {}

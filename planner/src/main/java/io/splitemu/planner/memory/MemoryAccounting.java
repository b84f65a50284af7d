package io.splitemu.planner.memory;

/**
 * What a unit instance counts towards a node's memory.
 *
 * <ul>
 *   <li>{@link #PAPER}: the unit's output activation at batch b plus its weights, as the MP-SL
 *       placement constraint counts them;
 *   <li>{@link #FULL}: weights, their gradients (same size), optimizer state ({@code
 *       optimizerSlots} weight-sized buffers: 0 for plain SGD, 1 for momentum, 2 for Adam), the
 *       output activation at batch b and the retained input activation at batch b that the
 *       backward pass needs (the previous unit's output; the raw input for unit 1).
 * </ul>
 */
public enum MemoryAccounting {
  PAPER,
  FULL
}

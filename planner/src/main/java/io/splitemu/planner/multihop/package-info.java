/** Multihop (MP-SL) split placement, its epoch estimate and the horizontal-scaling baseline. */
package io.splitemu.planner.multihop;

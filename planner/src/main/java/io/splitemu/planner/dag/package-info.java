/** DAG split planning: the min-cut split of LATENCY-MODEL.md section 5 and its comparisons. */
package io.splitemu.planner.dag;

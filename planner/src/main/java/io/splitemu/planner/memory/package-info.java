/** Model memory of split-learning nodes (LATENCY-MODEL.md section 6). */
package io.splitemu.planner.memory;

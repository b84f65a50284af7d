package io.splitemu.planner.dag;

import java.util.Arrays;

/**
 * Dinic's maximum flow on integer capacities over flat arrays, with the source side of a minimum
 * cut read from the residual graph.
 *
 * <p>Integer capacities make the residual graph exact: an edge is saturated when its residual is 0,
 * with no tolerance that could swallow a capacity that decides the cut (the caller scales its costs
 * to integers, {@link DagSplitter}). Own implementation rather than a graph library because the
 * split is solved on every re-plan and the array form keeps it well under a millisecond for
 * ImageNet-size DAGs.
 */
final class MaxFlow {

  private final int n;
  private int[] head;
  private int[] next;
  private int[] to;
  private long[] cap;
  private int edges;
  private final int[] level;
  private final int[] iter;
  private final int[] queue;
  private final int[] path;

  MaxFlow(int vertices, int edgeHint) {
    n = vertices;
    head = new int[n];
    Arrays.fill(head, -1);
    int m = Math.max(4, 2 * edgeHint);
    next = new int[m];
    to = new int[m];
    cap = new long[m];
    level = new int[n];
    iter = new int[n];
    queue = new int[n];
    path = new int[n];
  }

  /** Adds an edge u -> v with the given capacity (and its zero-capacity reverse). */
  void addEdge(int u, int v, long c) {
    if (c < 0) {
      throw new IllegalArgumentException("negative capacity " + c);
    }
    if (edges + 2 > to.length) {
      int m = to.length * 2;
      next = Arrays.copyOf(next, m);
      to = Arrays.copyOf(to, m);
      cap = Arrays.copyOf(cap, m);
    }
    to[edges] = v;
    cap[edges] = c;
    next[edges] = head[u];
    head[u] = edges++;
    to[edges] = u;
    cap[edges] = 0;
    next[edges] = head[v];
    head[v] = edges++;
  }

  /**
   * Runs the flow and returns its value. The caller keeps the total capacity out of s far below
   * {@link Long#MAX_VALUE} so that no residual overflows.
   */
  long run(int s, int t) {
    long flow = 0;
    while (bfs(s, t)) {
      System.arraycopy(head, 0, iter, 0, n);
      long f;
      while ((f = augment(s, t)) > 0) {
        flow += f;
      }
    }
    return flow;
  }

  /** Vertices reachable from s in the residual graph after {@link #run}: the source side. */
  boolean[] sourceSide(int s) {
    boolean[] seen = new boolean[n];
    int qh = 0;
    int qt = 0;
    queue[qt++] = s;
    seen[s] = true;
    while (qh < qt) {
      int u = queue[qh++];
      for (int e = head[u]; e >= 0; e = next[e]) {
        if (cap[e] > 0 && !seen[to[e]]) {
          seen[to[e]] = true;
          queue[qt++] = to[e];
        }
      }
    }
    return seen;
  }

  private boolean bfs(int s, int t) {
    Arrays.fill(level, -1);
    int qh = 0;
    int qt = 0;
    queue[qt++] = s;
    level[s] = 0;
    while (qh < qt) {
      int u = queue[qh++];
      for (int e = head[u]; e >= 0; e = next[e]) {
        if (cap[e] > 0 && level[to[e]] < 0) {
          level[to[e]] = level[u] + 1;
          queue[qt++] = to[e];
        }
      }
    }
    return level[t] >= 0;
  }

  /**
   * One augmenting path of the level graph from s to t, pushed, or 0 when the phase is blocked.
   *
   * <p>Iterative with an explicit path of edges, not recursive: a path is as long as the DAG is
   * deep, and a chain of 10,000 layers overflowed the thread's stack. It visits edges in the order
   * the recursive search did: advance along the current edge of {@code iter[u]}; at a dead end step
   * back and move the parent's current edge on; at t push the path's bottleneck.
   */
  private long augment(int s, int t) {
    int depth = 0;
    int u = s;
    while (true) {
      if (u == t) {
        long d = Long.MAX_VALUE;
        for (int i = 0; i < depth; i++) {
          d = Math.min(d, cap[path[i]]);
        }
        for (int i = 0; i < depth; i++) {
          cap[path[i]] -= d;
          cap[path[i] ^ 1] += d;
        }
        return d;
      }
      int e = iter[u];
      while (e >= 0 && !(cap[e] > 0 && level[to[e]] == level[u] + 1)) {
        e = next[e];
      }
      iter[u] = e;
      if (e >= 0) {
        path[depth++] = e;
        u = to[e];
      } else if (depth == 0) {
        return 0;
      } else {
        int back = path[--depth];
        u = to[back ^ 1];
        iter[u] = next[iter[u]];
      }
    }
  }
}

package io.splitemu.actors.scheme;

import io.splitemu.actors.config.SettingsException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry of schemes by name. A new scheme is one class (a {@link BarrierScheme}, {@link
 * SplitScheme} or {@link PipelineScheme}, or any {@link Scheme}) and one line below.
 */
public final class Schemes {

  private static final Map<String, Scheme> BY_NAME = new LinkedHashMap<>();

  static {
    add(new SlScheme());
    add(new PslScheme());
    add(new SflV1Scheme());
    add(new SflV2Scheme());
    add(new CpslScheme("cpsl"));
    add(new CpslScheme("cpsl-random"));
    add(new CpslScheme("cpsl-fixed"));
    add(new ShareSplitScheme("edgesplit", s -> ShareSplitPolicies.edgeSplitPolicy(s, false)));
    add(
        new ShareSplitScheme(
            "edgesplit-uniform", s -> ShareSplitPolicies.edgeSplitPolicy(s, true)));
    add(new ShareSplitScheme("sfl-compute", s -> ShareSplitPolicies.sflComputePolicy(s, false)));
    add(
        new ShareSplitScheme(
            "sfl-compute-uniform", s -> ShareSplitPolicies.sflComputePolicy(s, true)));
    add(new ShareSplitScheme("sfl-compute-robust", RobustSflPolicy::of));
    add(new DagScheme("dag-mincut"));
    add(new DagScheme("dag-chain"));
    add(new DagScheme("dag-device"));
    add(new DagScheme("dag-server"));
    add(new PipelineScheme("mpsl"));
    add(new PipelineScheme("mpsl-horizontal"));
  }

  private Schemes() {}

  private static void add(Scheme s) {
    if (BY_NAME.put(s.name(), s) != null) {
      throw new IllegalStateException("scheme " + s.name() + " registered twice");
    }
  }

  /** Every registered name, in registration order. */
  public static List<String> names() {
    return List.copyOf(BY_NAME.keySet());
  }

  /** The scheme named {@code name}; an unknown name fails with one line listing the known ones. */
  public static Scheme of(String name) {
    Scheme s = BY_NAME.get(name);
    if (s == null) {
      throw new SettingsException(
          "splitemu.scheme: unknown scheme \"" + name + "\"; known: " + String.join(", ", names()));
    }
    return s;
  }

  /** The barrier-family scheme named {@code name} (the supervisor's round planner asks it). */
  public static BarrierScheme barrier(String name) {
    Scheme s = of(name);
    if (!(s instanceof BarrierScheme b)) {
      throw new IllegalArgumentException(
          "scheme " + name + " is not run by the barrier engine (family " + s.family() + ")");
    }
    return b;
  }

  /** The registered schemes of {@code family}, in order. */
  public static List<Scheme> of(Scheme.Family family) {
    List<Scheme> out = new ArrayList<>();
    for (Scheme s : BY_NAME.values()) {
      if (s.family() == family) {
        out.add(s);
      }
    }
    return out;
  }
}

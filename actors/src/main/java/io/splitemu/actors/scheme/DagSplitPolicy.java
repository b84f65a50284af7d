package io.splitemu.actors.scheme;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.config.SettingsReader;
import io.splitemu.actors.runtime.SplitPolicy;
import io.splitemu.model.profile.DagLayer;
import io.splitemu.model.profile.DagProfile;
import io.splitemu.model.profile.ModelProfiles;
import io.splitemu.planner.dag.DagSplit;
import io.splitemu.planner.dag.DagSplitter;
import io.splitemu.planner.dag.SplitRates;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * DAG-split training in {@code timing} fidelity (LATENCY-MODEL.md section 5): each device trains a
 * DAG-profile model (GoogLeNet, ResNet, DenseNet, EfficientNetV2-S) split into a device set D and a
 * server set S, over its own (trace-driven) links, and the split is re-planned at every round from
 * the link rates each device's own transfers achieved in the previous round (bytes over link-busy
 * time); only where a device sent nothing that way (the first round, an all-on-device split) is its
 * idle link probed at the round's start.
 *
 * <p>Schemes are split policies: {@code dag-mincut} (the optimal DAG cut), {@code dag-chain} (the
 * best prefix of the topological order, as a chain planner would choose), {@code dag-device} (all
 * layers on the device) and {@code dag-server} (all on the server). An iteration of device n is:
 * forward of D on the device, the crossing tensors (and the raw input if a server layer reads it)
 * up, forward and backward of S on the server with the device's 1/N share, the crossing tensors'
 * gradients down, backward of D. With static links an iteration lasts exactly {@code
 * DagSplitter.evaluate(...).costSeconds()} (a test holds this).
 */
public final class DagSplitPolicy {

  /** The split policies, as scheme names. */
  public static final List<String> SCHEMES =
      List.of("dag-mincut", "dag-chain", "dag-device", "dag-server");

  private DagSplitPolicy() {}

  /** Whether {@code scheme} is a DAG split policy. */
  public static boolean isDag(String scheme) {
    return SCHEMES.contains(scheme);
  }

  /**
   * The DAG profile of a scenario ({@code splitemu.dag.profile}), checked at start, its bytes at
   * the element size of {@code model.data-type} (a {@code *.dag.json} takes float only).
   */
  public static DagProfile profile(Settings s) {
    Config all = ConfigFactory.parseString(s.resolved());
    SettingsReader r = new SettingsReader(all, Settings.NS).at("dag");
    r.onlyKeys(Set.of("profile"));
    String p = r.string("profile");
    // The scenario's file and line of the key: resolved() keeps no origins.
    String where = s.where("dag.profile");
    if (p.isBlank()) {
      throw new SettingsException(
          where
              + ": a DAG scheme needs a profile: a *.dag.json or *.prototxt file or a"
              + " built-in name ("
              + String.join(", ", ModelProfiles.names())
              + ")");
    }
    if (ModelProfiles.statesBytes(p)) {
      ShareSplitPolicies.requireFloat(
          s, "splitemu.dag.profile \"" + p + "\" (a *.dag.json profile)");
    }
    try {
      // bytes at the element size of model.data-type, as for the zoo models
      return ModelProfiles.load(p, io.splitemu.actors.runtime.Emulation.dataType(s));
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      // A profile given that does not load is an error, not the scheme's refusal (--keep-refused).
      throw new SettingsException(where + ": " + e.getMessage(), true);
    }
  }

  /** Checks a DAG scenario without running it. */
  public static void check(Settings s) {
    profile(s);
    if (s.fidelity() != Settings.Fidelity.TIMING) {
      throw new SettingsException(
          s.where("fidelity")
              + ": "
              + s.scheme()
              + " runs only in timing fidelity (DAG profiles are"
              + " cost tables, not trainable models); set fidelity = timing");
    }
    if (s.localSteps() < 1) {
      throw new SettingsException(
          s.where("local-steps") + ": " + s.scheme() + " needs the iterations per round (>= 1)");
    }
  }

  /** The split {@code policy} chooses at {@code rates}. */
  static DagSplit plan(String policy, DagProfile dag, SplitRates rates) {
    switch (policy) {
      case "dag-mincut":
        return DagSplitter.minCut(dag, rates);
      case "dag-chain":
        return DagSplitter.bestChainCut(dag, rates);
      case "dag-device":
        return DagSplitter.allOnDevice(dag, rates);
      case "dag-server":
        return DagSplitter.allOnServer(dag, rates);
      default:
        throw new IllegalArgumentException("not a DAG scheme: " + policy);
    }
  }

  /** Per-sample costs of a split: what an iteration computes and sends. */
  record SplitCosts(
      double deviceForwardFlops,
      double deviceBackwardFlops,
      double serverFlops,
      long upBytes,
      long downBytes,
      String label,
      long deviceParamBytes,
      long serverParamBytes) {

    static SplitCosts of(DagProfile dag, DagSplit split) {
      Set<String> device = Set.copyOf(split.deviceLayers());
      double f = 0;
      double g = 0;
      double srv = 0;
      long deviceParams = 0;
      long serverParams = 0;
      Map<String, DagLayer> byName = new HashMap<>();
      for (DagLayer l : dag.layers()) {
        byName.put(l.name(), l);
        if (device.contains(l.name())) {
          f += l.forwardFlops();
          g += l.backwardFlops();
          deviceParams += l.paramBytes();
        } else {
          srv += l.forwardFlops() + l.backwardFlops();
          serverParams += l.paramBytes();
        }
      }
      long up = 0;
      long down = 0;
      for (String t : split.crossingTensors()) {
        if (DagProfile.INPUT.equals(t)) {
          up += dag.inputBytes(); // the raw input needs no gradient back
        } else {
          long a = byName.get(t).outputBytes();
          up += a;
          down += a;
        }
      }
      String label =
          split.method()
              + ":"
              + split.deviceLayers().size()
              + "/"
              + dag.size()
              + " on device, crossing "
              + (split.crossingTensors().isEmpty()
                  ? "nothing"
                  : String.join("+", split.crossingTensors()));
      return new SplitCosts(f, g, srv, up, down, label, deviceParams, serverParams);
    }
  }

  /**
   * The per-round policy of a DAG scheme: each device's split by the scheme's splitter ({@link
   * #plan}) at the link rates probed for it and its compute rate in the round (round factor
   * applied), with a 1/N share of the server, N the devices in the round ({@link SplitPolicy#plan}:
   * a device out of it gets no share).
   */
  public static SplitPolicy policy(Settings s) {
    DagProfile dag = profile(s);
    int n = s.devices().count();
    return SplitPolicy.remembering(
        0,
        (round, up, down) -> {
          // The devices' rates in this round, its compute factors applied, as they run.
          double[] flops = ShareSplitPolicies.flops(s, round);
          int[] present = SplitPolicy.present(up, down);
          double server = s.serverFlops() / present.length;
          List<SplitPolicy.DevicePlan> plans = new ArrayList<>();
          for (int d : present) {
            SplitRates rates = new SplitRates(flops[d], server, up[d], down[d], s.batchSize());
            DagSplit split = plan(s.scheme(), dag, rates);
            SplitCosts c = SplitCosts.of(dag, split);
            plans.add(
                new SplitPolicy.DevicePlan(
                    s.localSteps(),
                    c.deviceForwardFlops(),
                    c.deviceBackwardFlops(),
                    c.serverFlops(),
                    c.upBytes(),
                    c.downBytes(),
                    1.0,
                    1.0,
                    server,
                    0,
                    1.0,
                    1.0,
                    false,
                    Integer.toString(split.deviceLayers().size()),
                    c.label(),
                    "predicted " + SplitPolicy.fmt(split.costSeconds()) + " s per iteration",
                    c.deviceParamBytes(),
                    c.serverParamBytes()));
          }
          return SplitPolicy.spread(n, present, plans);
        });
  }
}

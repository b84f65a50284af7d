package io.splitemu.actors.scheme;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.runtime.DeviceSetup;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.SplitPolicy;
import io.splitemu.actors.runtime.SupervisorSetup;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.model.profile.BuiltinProfiles;
import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.profile.ModelProfiles;
import io.splitemu.planner.edgesplit.DeviceMemoryModel;
import io.splitemu.planner.edgesplit.EdgeSplitPlan;
import io.splitemu.planner.edgesplit.EdgeSplitPlanner;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.RateFunction;
import io.splitemu.planner.latency.SchemeLatency;
import io.splitemu.planner.latency.ServerState;
import io.splitemu.planner.sfl.SflPlan;
import io.splitemu.planner.sfl.SflPlanner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The policies of EdgeSplit and SFL with server compute allocation (LATENCY-MODEL.md sections 4 and
 * 5), run by the supervisor as the edge server's depth-per-device mode, in {@code timing} fidelity
 * for any chain profile and in {@code full} fidelity (real ND4J training) for zoo models.
 *
 * <p>Every round the supervisor estimates each device's full-band link rates and the scheme's
 * planner decides per-device cuts and shares from them (rates linear in the share): {@code
 * edgesplit} (cut and uplink/downlink bandwidth share by the alternation, memory limits respected,
 * equal server shares, models uploaded and the aggregate downloaded at a barrier after the epoch)
 * and {@code sfl-compute} (cut and server compute share by the alternation, dedicated links, each
 * device uploads its model after its own steps). {@code edgesplit-uniform} and {@code
 * sfl-compute-uniform} are the baselines: one cut for all (the best one every device can hold),
 * equal shares. Each device runs {@code local-steps} iterations per round.
 *
 * <p>In {@code full} fidelity each device trains its slice of the whole model at its round's cut
 * and the edge server trains one copy of the server slice per device; at the round's end every
 * device slice plus its copy is folded into a whole model and the whole models are averaged (FedAvg
 * by samples, device order) into the model the next round re-splits. The optimizer state starts
 * afresh every round. Emulated times are those of {@code timing}.
 */
public final class ShareSplitPolicies {

  /** The schemes run here. */
  public static final List<String> SCHEMES =
      List.of("edgesplit", "edgesplit-uniform", "sfl-compute", "sfl-compute-uniform");

  private ShareSplitPolicies() {}

  /** Whether {@code scheme} runs here. */
  public static boolean handles(String scheme) {
    return SCHEMES.contains(scheme);
  }

  /**
   * The chain profile of the scenario's model: a zoo model, a built-in chain, or any DAG profile
   * (built-in name, {@code *.dag.json} or prototxt) cut only at its single-tensor block boundaries
   * ({@link io.splitemu.model.profile.DagProfile#toChain()}). Bytes are charged at the element size
   * of {@code model.data-type}; a {@code *.dag.json} states them outright and takes float only
   * ({@link #requireFloat}).
   */
  public static ChainProfile profile(Settings s) {
    String name = s.model().name();
    if (ModelZoo.names().contains(name)) {
      return ModelZoo.profile(name, Emulation.dataType(s));
    }
    if (BuiltinProfiles.chainNames().contains(name)) {
      return BuiltinProfiles.chain(name, Emulation.dataType(s).width());
    }
    if (ModelProfiles.statesBytes(name)) {
      requireFloat(s, "model \"" + name + "\" (a *.dag.json profile)");
    }
    try {
      return ModelProfiles.load(name, Emulation.dataType(s)).toChain();
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      throw new SettingsException(
          s.where("model.name")
              + ": \""
              + name
              + "\" is neither a zoo model ("
              + String.join(", ", ModelZoo.names())
              + ") nor a loadable profile: "
              + e.getMessage());
    }
  }

  /**
   * Refuses {@code model.data-type = double} at start for a model whose bytes are given outright in
   * float ({@code what}: a {@code *.dag.json} profile, MP-SL's measured tables), which cannot be
   * charged at 8 bytes an element; models described by shapes (the zoo, the built-in architectures,
   * a prototxt) are.
   */
  public static void requireFloat(Settings s, String what) {
    if (Emulation.dataType(s).width() != 4) {
      throw new SettingsException(
          s.where("model.data-type")
              + ": "
              + s.model().dataType()
              + " applies to models described by shapes (zoo, built-in, *.prototxt), not to "
              + what
              + ", whose float bytes are stated outright; set model.data-type = float");
    }
  }

  /**
   * Checks a scenario of these schemes without running it: besides the model, fidelity, steps and
   * links, that the model has a cut to choose (two units at least) and that every device's memory
   * holds cut 1, the shallowest (each planner picks among the cuts a device holds, and a device's
   * memory is drawn once for the run, so a device that holds none would stop the run in round 1).
   */
  public static void check(Settings s) {
    ChainProfile profile = profile(s);
    if (profile.size() < 2) {
      throw new SettingsException(
          s.where("model.name")
              + ": "
              + s.scheme()
              + " cuts the model between two units, and \""
              + s.model().name()
              + "\" ("
              + profile.model()
              + ") has "
              + profile.size()
              + " unit (a DAG profile's units are its blocks between single-tensor boundaries);"
              + " give a model of two units or more");
    }
    if (s.fidelity() == Settings.Fidelity.FULL && !ModelZoo.names().contains(s.model().name())) {
      throw new SettingsException(
          s.where("fidelity")
              + ": "
              + s.scheme()
              + " trains real tensors only on a zoo model ("
              + String.join(", ", ModelZoo.names())
              + "), and splitemu.model.name \""
              + s.model().name()
              + "\" is a profile; set fidelity = timing");
    }
    if (s.localSteps() < 1) {
      throw new SettingsException(
          s.where("local-steps") + ": " + s.scheme() + " needs the iterations per round (>= 1)");
    }
    if (s.links().kind().equals("shannon")) {
      throw new SettingsException(
          s.where("links.kind")
              + ": "
              + s.scheme()
              + " plans with rates linear in the share; use static or trace links");
    }
    CutCosts costs = CutCosts.of(profile);
    long need = MEMORY.bytes(costs, 1, s.batchSize());
    long[] memory = memory(s);
    int lacking = 0;
    int first = -1;
    for (int d = 0; d < memory.length; d++) {
      if (memory[d] < need) {
        lacking++;
        first = first < 0 ? d : first;
      }
    }
    if (first >= 0) {
      throw new SettingsException(
          s.where("devices.memory-bytes")
              + ": device-"
              + first
              + " has "
              + memory[first]
              + " bytes, less than the "
              + need
              + " bytes that cut 1 of "
              + profile.model()
              + " needs at batch "
              + s.batchSize()
              + " (device-side weights plus the activations kept for backward), the least any cut"
              + " needs"
              + (lacking > 1 ? " (" + (lacking - 1) + " more devices are short too)" : "")
              + "; "
              + s.scheme()
              + " cannot place a cut on it");
    }
  }

  /** The device memory model of every scheme here (cut p needs W(p) + b sum_{j<=p} a_j). */
  static final DeviceMemoryModel MEMORY = DeviceMemoryModel.WEIGHTS_PLUS_ACTIVATIONS;

  /**
   * The devices' memory for model state ({@code devices.memory-bytes}, bytes), drawn once for the
   * run: the planners see the same figures in every round.
   */
  static long[] memory(Settings s) {
    int n = s.devices().count();
    double[] drawn =
        Emulation.perDevice(s.devices().memoryBytes(), n, s.seed(), "devices/memory-bytes");
    long[] out = new long[n];
    for (int d = 0; d < n; d++) {
      out[d] = (long) drawn[d];
    }
    return out;
  }

  /** The devices' compute rates (FLOP/s): the run's draws, before any round's factor. */
  public static double[] flops(Settings s) {
    return Emulation.perDevice(s.devices().flops(), s.devices().count(), s.seed(), "devices/flops");
  }

  /**
   * The devices' compute rates (FLOP/s) in round {@code round}: the run's draws times each device's
   * compute factor of that round ({@code devices.round-factor}, {@link Emulation#computeFactors}),
   * the rates the devices run at in that round under every scheme.
   */
  public static double[] flops(Settings s, int round) {
    double[] flops = flops(s);
    SupervisorSetup.ComputeFactors factors = Emulation.computeFactors(s);
    for (int d = 0; d < flops.length; d++) {
      flops[d] *= factors.of(d, round);
    }
    return flops;
  }

  /**
   * The planners' view of the devices at the start of round {@code round}: their compute rates in
   * that round ({@link #flops(Settings, int)}) and the probed full-band link rates.
   */
  public static List<DeviceState> states(Settings s, int round, double[] up, double[] down) {
    int[] all = new int[s.devices().count()];
    Arrays.setAll(all, d -> d);
    return states(s, round, up, down, all);
  }

  /**
   * The planners' view of {@code devices} (ids, in that order) at the start of round {@code round}:
   * {@link #states(Settings, int, double[], double[])} of those devices alone, as a round planned
   * over the devices in it sees them ({@link SplitPolicy#plan}).
   */
  public static List<DeviceState> states(
      Settings s, int round, double[] up, double[] down, int[] devices) {
    double[] flops = flops(s, round);
    long[] memory = memory(s);
    List<DeviceState> states = new ArrayList<>();
    for (int d : devices) {
      states.add(
          new DeviceState(
              "device-" + d,
              flops[d],
              (long) s.localSteps() * s.batchSize(),
              RateFunction.linear(up[d]),
              RateFunction.linear(down[d]),
              memory[d],
              s.links().propagationDelay().toNanos() / 1e9));
    }
    return states;
  }

  /**
   * EdgeSplit's policy ({@code uniform}: its baseline): cut and uplink/downlink bandwidth share by
   * the alternation, memory limits respected, equal server shares, models uploaded and the
   * aggregate downloaded at a barrier after the steps. The devices out of a round ({@link
   * SplitPolicy#plan}) take no part in its plan: the band and the server are shared among the
   * others.
   */
  public static SplitPolicy edgeSplitPolicy(Settings s, boolean uniform) {
    ChainProfile profile = profile(s);
    CutCosts costs = CutCosts.of(profile);
    int n = s.devices().count();
    int b = s.batchSize();
    ServerState server = new ServerState(s.serverFlops());
    return SplitPolicy.remembering(
        0,
        (round, up, down) -> {
          int[] present = SplitPolicy.present(up, down);
          double[] upIn = SplitPolicy.of(up, present);
          double[] downIn = SplitPolicy.of(down, present);
          List<DeviceState> states = states(s, round, up, down, present);
          List<SplitPolicy.DevicePlan> plans = new ArrayList<>();
          EdgeSplitPlanner planner = new EdgeSplitPlanner(costs, b);
          EdgeSplitPlan p =
              uniform ? planner.uniformBaseline(states, server) : planner.plan(states, server);
          double[] aggUp = aggregationShares(costs, p.cuts(), upIn);
          double[] aggDown = aggregationShares(costs, p.cuts(), downIn);
          // One detail for every device (formatted once, not per device).
          String detail = "predicted epoch makespan " + SplitPolicy.fmt(p.makespan()) + " s";
          for (int d = 0; d < present.length; d++) {
            int cut = p.cuts()[d];
            double beta = p.bandwidthShares()[d];
            plans.add(
                plan(
                    s,
                    costs,
                    cut,
                    costs.cutBytes(cut) + DeviceSetup.LABEL_BYTES, // activations and int32 labels
                    beta,
                    p.serverShares()[d] * s.serverFlops(),
                    aggUp[d],
                    aggDown[d],
                    true,
                    String.format(
                        java.util.Locale.ROOT,
                        "cut %d, bandwidth share %.3f, server share %.3f",
                        cut,
                        beta,
                        p.serverShares()[d]),
                    detail));
          }
          return SplitPolicy.spread(n, present, plans);
        });
  }

  /**
   * SFL with server compute allocation ({@code uniform}: its baseline): cut and server compute
   * share by the alternation, dedicated links, each device uploads its model after its own steps.
   * The devices out of a round ({@link SplitPolicy#plan}) take no part in its plan: the server is
   * shared among the others.
   */
  public static SplitPolicy sflComputePolicy(Settings s, boolean uniform) {
    ChainProfile profile = profile(s);
    CutCosts costs = CutCosts.of(profile);
    int b = s.batchSize();
    ServerState server = new ServerState(s.serverFlops());
    return SplitPolicy.remembering(
        0,
        (round, up, down) -> {
          int[] present = SplitPolicy.present(up, down);
          List<DeviceState> states = states(s, round, up, down, present);
          SflPlanner planner = new SflPlanner(costs, b);
          int[] cuts;
          double[] rates;
          double predicted;
          if (!uniform) {
            SflPlan p = planner.plan(states, server);
            cuts = p.cuts();
            rates = p.serverFlops();
            predicted = p.makespan();
          } else {
            UniformSfl u = uniformSfl(costs, b, states, s.serverFlops());
            cuts = u.cuts();
            rates = u.rates();
            predicted = u.makespan();
          }
          return sflComputePlans(
              s,
              costs,
              present,
              cuts,
              rates,
              "predicted round " + SplitPolicy.fmt(predicted) + " s");
        });
  }

  /**
   * SFL with server compute allocation's plan of every device: for each of {@code devices} (the
   * devices in the round, ids) its cut ({@code cuts}) and server rate ({@code rates}, FLOP/s), in
   * that order, dedicated links, activations up and gradients down at the cut, the device-side
   * model uploaded after its own steps; {@link SplitPolicy#ABSENT} for every other device.
   */
  public static List<SplitPolicy.DevicePlan> sflComputePlans(
      Settings s, CutCosts costs, int[] devices, int[] cuts, double[] rates, String detail) {
    List<SplitPolicy.DevicePlan> plans = new ArrayList<>();
    for (int d = 0; d < cuts.length; d++) {
      plans.add(
          plan(
              s,
              costs,
              cuts[d],
              costs.cutBytes(cuts[d]),
              1.0,
              rates[d],
              1.0,
              1.0,
              false,
              String.format(java.util.Locale.ROOT, "cut %d, server %.3g FLOP/s", cuts[d], rates[d]),
              detail));
    }
    return SplitPolicy.spread(s.devices().count(), devices, plans);
  }

  private static SplitPolicy.DevicePlan plan(
      Settings s,
      CutCosts c,
      int cut,
      long upBytes,
      double linkShare,
      double serverRate,
      double modelUpShare,
      double modelDownShare,
      boolean barrier,
      String label,
      String detail) {
    return new SplitPolicy.DevicePlan(
        s.localSteps(),
        c.deviceForwardFlops(cut),
        c.deviceBackwardFlops(cut),
        c.serverFlops(cut),
        upBytes,
        c.cutBytes(cut),
        linkShare,
        linkShare,
        serverRate,
        c.deviceParamBytes(cut),
        modelUpShare,
        modelDownShare,
        barrier,
        Integer.toString(cut),
        label,
        detail,
        c.deviceParamBytes(cut),
        c.deviceParamBytes(c.units()) - c.deviceParamBytes(cut));
  }

  /**
   * Shares of the band for EdgeSplit's aggregation phase: the planner's {@link
   * SchemeLatency#edgeSplitAggregationShares}, so that the round it prices is the round run.
   */
  static double[] aggregationShares(CutCosts c, int[] cuts, double[] fullRateBps) {
    return SchemeLatency.edgeSplitAggregationShares(c, cuts, fullRateBps);
  }

  /** The SFL baseline: the best single cut every device holds, with equal server compute. */
  record UniformSfl(int[] cuts, double[] rates, double makespan) {}

  static UniformSfl uniformSfl(CutCosts c, int b, List<DeviceState> states, double serverFlops) {
    int n = states.size();
    double[] rates = new double[n];
    Arrays.fill(rates, serverFlops / n);
    long least = Long.MAX_VALUE;
    for (DeviceState d : states) {
      least = Math.min(least, d.memoryBytes());
    }
    int best = -1;
    double bestT = Double.POSITIVE_INFINITY;
    for (int l = 1; l < c.units(); l++) {
      if (MEMORY.bytes(c, l, b) > least) {
        break; // deeper cuts need more still
      }
      int[] cuts = new int[n];
      Arrays.fill(cuts, l);
      double t = SchemeLatency.sflRound(c, cuts, b, states, rates).total();
      if (t < bestT) {
        bestT = t;
        best = l;
      }
    }
    int[] cuts = new int[n];
    Arrays.fill(cuts, best);
    return new UniformSfl(cuts, rates, bestT);
  }
}

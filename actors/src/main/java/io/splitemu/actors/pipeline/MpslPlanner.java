package io.splitemu.actors.pipeline;

import io.splitemu.actors.config.MpslSettings;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.model.profile.MeasuredProfile;
import io.splitemu.planner.memory.MemoryAccounting;
import io.splitemu.planner.memory.MemoryModel;
import io.splitemu.planner.memory.UnitMemory;
import io.splitemu.planner.multihop.DeviceSide;
import io.splitemu.planner.multihop.HopCosts;
import io.splitemu.planner.multihop.HorizontalScaling;
import io.splitemu.planner.multihop.MpslEpoch;
import io.splitemu.planner.multihop.MultihopObjective;
import io.splitemu.planner.multihop.MultihopPlacer;
import io.splitemu.planner.multihop.Placement;
import io.splitemu.planner.multihop.PricedNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * Turns a scenario into a pipeline plan: reads the measured profile, places the middle units on the
 * hops with the planner ({@code MultihopPlacer}) or spreads the devices over helpers ({@code
 * HorizontalScaling}), and keeps the planner's epoch estimate to compare against.
 *
 * <p>Where the scenario leaves a choice: the training set is shared out evenly (sizes differ by at
 * most one sample), a device runs {@code ceil(samples / batch-size)} batches per epoch unless
 * {@code local-steps} is set, and the estimate uses the slowest device link and the largest batch
 * count (the estimate assumes identical devices).
 */
public final class MpslPlanner {

  private MpslPlanner() {}

  /** Checks a pipeline scenario and builds its plan; a bad setting fails naming its key. */
  public static PipelinePlan plan(Settings s) {
    return chain(s, java.util.Set.of()).plan();
  }

  /**
   * An {@code mpsl} plan re-placed after a hop crash ({@code hop-crash}, docs/faults.md): the plan
   * in force has lost the hops {@code before} (indices of the run's first plan), and now loses
   * {@code hop} too. The middle units are placed again over the hops left, in their order, by the
   * run's own placement ({@code MultihopPlacer}, same objective and memory caps); the survivors
   * keep their names ({@code hop-1}, {@code hop-3}).
   *
   * @param plan the new plan
   * @param fromUnit the first unit the crashed hop held
   * @param toUnit its last unit
   * @param moveBytes the weight bytes of one device's instance of those units: what each device
   *     uploads again so that the units' new hops hold its instance
   * @param unitBytes those bytes unit by unit, from {@code fromUnit} (two crashes in one epoch send
   *     a unit moved by both once)
   * @param crashedName the crashed hop's name in results ({@code hop-2})
   */
  public record Replaced(
      PipelinePlan plan,
      int fromUnit,
      int toUnit,
      long moveBytes,
      String crashedName,
      List<Long> unitBytes) {

    /** Copies the bytes in. */
    public Replaced {
      unitBytes = List.copyOf(unitBytes);
    }
  }

  /**
   * The plan after hop {@code hop} of the run's first plan crashes, the hops {@code before} being
   * gone already; a placement that fits in no memory left throws its reason (no key: the caller
   * names the fault).
   */
  public static Replaced afterCrash(Settings s, java.util.Set<Integer> before, int hop) {
    Chain now = chain(s, before);
    int at = now.physical().indexOf(hop);
    if (at < 0) {
      throw new IllegalArgumentException("hop " + hop + " is not in the chain " + now.physical());
    }
    java.util.Set<Integer> gone = new java.util.TreeSet<>(before);
    gone.add(hop);
    Chain next = chain(s, gone);
    int from = now.cuts()[at] + 1;
    int to = now.cuts()[at + 1];
    long bytes = 0;
    List<Long> units = new java.util.ArrayList<>();
    for (int j = from; j <= to; j++) {
      bytes += now.weightBytes()[j - 1];
      units.add(now.weightBytes()[j - 1]);
    }
    return new Replaced(
        next.plan(), from, to, bytes, now.plan().lanes().get(0).hops().get(at).name(), units);
  }

  /** How many hops the run's first {@code mpsl} plan has: the range of a hop crash's index. */
  public static int firstHops(Settings s) {
    return s.mpsl().priced() ? s.mpsl().nodes().size() : s.mpsl().hops();
  }

  /**
   * A plan and, for {@code mpsl}, its cuts s_1..s_{N+1}, which hop of the run's first plan each
   * stage is, and every unit's weight bytes.
   */
  private record Chain(PipelinePlan plan, int[] cuts, List<Integer> physical, long[] weightBytes) {}

  /** The plan without the hops {@code gone} (indices of the first plan; none for the first). */
  private static Chain chain(Settings s, java.util.Set<Integer> gone) {
    if (s.fidelity() != Settings.Fidelity.TIMING) {
      throw new SettingsException(
          s.where("fidelity")
              + ": "
              + s.scheme()
              + " runs in timing fidelity only (its profiles are measured tables, not trainable"
              + " models); set fidelity = timing");
    }
    if (!s.links().kind().equals("static")) {
      throw new SettingsException(
          s.where("links.kind") + ": " + s.scheme() + " supports static links only in this build");
    }
    MpslSettings m = s.mpsl();
    MeasuredProfile p = read(s, m);
    int l = p.unitCount();
    int s1 = m.headUnits();
    int sLast = l - m.tailUnits();
    int middle = sLast - s1;
    int k = s.devices().count();
    int needed = !s.scheme().equals("mpsl") ? 1 : m.priced() ? m.nodes().size() : m.hops();
    if (middle < needed) {
      throw new SettingsException(
          s.where("mpsl.head-units")
              + "/tail-units: "
              + p.model()
              + " has "
              + l
              + " units; "
              + s1
              + " + "
              + m.tailUnits()
              + " on the device leave "
              + Math.max(middle, 0)
              + " for "
              + needed
              + " hop(s)");
    }
    List<String> types = new ArrayList<>(List.of(m.deviceType()));
    if (m.priced()) {
      m.nodes().forEach(n -> types.add(n.type()));
    } else {
      types.add(m.hopType());
    }
    for (String type : types) {
      if (!p.devices().contains(type)) {
        throw new SettingsException(
            "splitemu.mpsl: device type \""
                + type
                + "\" is not in "
                + p.model()
                + "; known: "
                + String.join(", ", p.devices()));
      }
    }
    if (s.data().trainSamples() < k) {
      // As every other family's partition refuses it: a device without a sample has no batch.
      throw new SettingsException(
          "splitemu.data.train-samples: "
              + s.data().trainSamples()
              + " samples for splitemu.devices.count = "
              + k
              + " devices; "
              + s.scheme()
              + " shares the training set out and every device needs at least one sample"
              + " (raise data.train-samples or lower devices.count)");
    }
    int b = s.batchSize();
    int[] batches = batches(s.data().trainSamples(), k, b, s.localSteps());
    double[] up = perDevice(s, s.links().staticUplinkBps(), "links/uplink-bps");
    double[] down = perDevice(s, s.links().staticDownlinkBps(), "links/downlink-bps");
    // The links' propagation delay is in every transfer of the estimate, as the emulator charges
    // it.
    DeviceSide side =
        DeviceSide.fromMeasured(
                p,
                m.deviceType(),
                b,
                Arrays.stream(up).min().orElseThrow(),
                Arrays.stream(down).min().orElseThrow())
            .withPropagation(s.links().propagationDelay().toNanos() / 1e9);
    UnitMemory um = UnitMemory.of(p);
    MemoryAccounting acc = MemoryAccounting.valueOf(m.memoryAccounting().toUpperCase(Locale.ROOT));
    double[] mu = new double[l];
    for (int j = 1; j <= l; j++) {
      mu[j - 1] = MemoryModel.unitBytes(um, j, b, acc, m.optimizerSlots());
    }
    PipelinePlan.DeviceCosts dev = deviceCosts(side, mu, s1, sLast);
    int maxBatches = Arrays.stream(batches).max().orElseThrow();
    int count;
    double[] limit;
    HopCosts costs;
    String nodeText = "";
    List<PricedNodes.Node> pricedOrder = List.of();
    if (m.priced()) {
      // The nodes in the order whose chain the planner estimates fastest (mpsl), or as listed
      // (helpers): each node's own column of the table and its own memory cap.
      List<PricedNodes.Node> order = m.nodes();
      if (s.scheme().equals("mpsl")) {
        PricedNodes.Setting ps = new PricedNodes.Setting(p, side, mu, s1, sLast, k, maxBatches, b);
        order =
            PricedNodes.multihop(ps, m.nodes())
                .orElseThrow(
                    () ->
                        new SettingsException(
                            s.where("mpsl.nodes")
                                + ": "
                                + k
                                + " instances of the middle units fit on no chain of the "
                                + m.nodes().size()
                                + " nodes in any order"))
                .nodes();
      }
      pricedOrder = order;
      count = order.size();
      costs = HopCosts.fromMeasuredTypes(p, order.stream().map(PricedNodes.Node::type).toList(), b);
      limit = order.stream().mapToDouble(PricedNodes.Node::memoryBytes).toArray();
      StringJoiner names = new StringJoiner(", ");
      order.forEach(n -> names.add(n.type()));
      nodeText =
          String.format(Locale.ROOT, "; nodes %s, price %.6g per hour", names, m.pricePerHour());
    } else {
      count = s.scheme().equals("mpsl") ? m.hops() : m.helpers();
      double[] slow = new double[count];
      limit = new double[count];
      for (int i = 0; i < count; i++) {
        slow[i] = m.hopSlowdown().get(i % m.hopSlowdown().size());
        limit[i] = m.hopMemoryBytes() == 0 ? Double.POSITIVE_INFINITY : m.hopMemoryBytes();
      }
      costs = HopCosts.fromMeasured(p, m.hopType(), slow, b);
    }
    long prop = s.links().propagationDelay().toNanos();
    List<Integer> physical = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (!gone.contains(i)) {
        physical.add(i);
      }
    }
    if (!gone.isEmpty()) {
      // A hop crashed: the same hops in the same order, without the crashed ones.
      double[][] f = new double[physical.size()][];
      double[][] bw = new double[physical.size()][];
      double[] left = new double[physical.size()];
      for (int i = 0; i < physical.size(); i++) {
        f[i] = costs.forward()[physical.get(i)];
        bw[i] = costs.backward()[physical.get(i)];
        left[i] = limit[physical.get(i)];
      }
      if (physical.isEmpty() || middle < physical.size()) {
        throw new SettingsException(
            "no hop is left for the " + middle + " middle units (" + physical.size() + " hops)");
      }
      costs = new HopCosts(f, bw);
      limit = left;
      count = physical.size();
    }
    if (s.scheme().equals("mpsl")) {
      MultihopObjective obj =
          m.objective().equals("max-of-sums")
              ? MultihopObjective.MAX_OF_SUMS
              : MultihopObjective.SUM_OF_MAXIMA;
      Optional<Placement> placed = MultihopPlacer.place(costs, s1, sLast, mu, k, limit, obj);
      if (placed.isEmpty() && !gone.isEmpty()) {
        throw new SettingsException(
            k
                + " instances of the middle units fit in no placement over the "
                + count
                + " hops left (memory per hop: "
                + (m.priced()
                    ? "the nodes' own, splitemu.mpsl.nodes"
                    : String.format(
                        Locale.ROOT, "splitemu.mpsl.hop-memory-bytes = %.0f", m.hopMemoryBytes()))
                + ")");
      }
      if (placed.isEmpty()) {
        throw new SettingsException(
            (m.priced() ? s.where("mpsl.nodes") : s.where("mpsl.hop-memory-bytes"))
                + ": "
                + k
                + " instances of the middle units fit on no placement over "
                + count
                + " hops");
      }
      Placement pl = placed.get();
      if (!gone.isEmpty()) {
        StringJoiner names = new StringJoiner(", ");
        physical.forEach(i -> names.add("hop-" + (i + 1)));
        if (m.priced()) {
          StringJoiner left = new StringJoiner(", ");
          double price = 0;
          for (int i : physical) {
            left.add(pricedOrder.get(i).type());
            price += pricedOrder.get(i).pricePerHour();
          }
          nodeText =
              String.format(Locale.ROOT, "; nodes left %s, price %.6g per hour", left, price);
        }
        nodeText += "; re-placed over " + names + " after a hop crash";
      }
      MpslEpoch est =
          MpslEpoch.estimate(pl, side, k, maxBatches, 1, obj == MultihopObjective.MAX_OF_SUMS);
      List<PipelinePlan.Stage> stages = new ArrayList<>();
      StringJoiner cut = new StringJoiner("-");
      cut.add(Integer.toString(s1));
      for (int i = 0; i < count; i++) {
        cut.add(Integer.toString(pl.cuts()[i + 1]));
        stages.add(
            stage(
                "hop-" + (physical.get(i) + 1),
                pl.cuts()[i] + 1,
                pl.cuts()[i + 1],
                pl.forwardSeconds()[i],
                pl.backwardSeconds()[i],
                Math.round(sum(mu, pl.cuts()[i] + 1, pl.cuts()[i + 1])),
                pl.memoryBytes()[i]));
      }
      String detail =
          String.format(
                  Locale.ROOT,
                  "cuts %s, period %.4f s, estimate %.4f s per epoch (T_all %.4f + T_aggr %.4f),"
                      + " peak hop memory %.0f bytes",
                  cut,
                  est.period(),
                  est.total(),
                  est.all(),
                  est.aggregation(),
                  pl.peakMemoryBytes())
              + nodeText;
      int[] all = new int[k];
      Arrays.setAll(all, i -> i);
      return new Chain(
          new PipelinePlan(
              s.scheme(),
              s.rounds(),
              batches,
              dev,
              up,
              down,
              prop,
              List.of(new PipelinePlan.Lane(stages, all)),
              m.aggregateHops(),
              cut.toString(),
              est.total(),
              detail),
          pl.cuts().clone(),
          List.copyOf(physical),
          side.weightBytes().clone());
    }
    HorizontalScaling hz;
    try {
      hz = HorizontalScaling.plan(costs, s1, sLast, side, mu, limit, k, maxBatches, 1);
    } catch (IllegalArgumentException e) {
      throw new SettingsException(
          (m.priced() ? s.where("mpsl.nodes") : s.where("mpsl.hop-memory-bytes"))
              + ": "
              + e.getMessage());
    }
    List<PipelinePlan.Lane> lanes = new ArrayList<>();
    long block = Math.round(sum(mu, s1 + 1, sLast));
    int next = 0;
    for (int i = 0; i < count; i++) {
      int c = hz.devicesPerHelper()[i];
      if (c == 0) {
        continue;
      }
      double f = 0;
      double bw = 0;
      for (int j = s1 + 1; j <= sLast; j++) {
        f += costs.forward()[i][j - 1];
        bw += costs.backward()[i][j - 1];
      }
      int[] ids = new int[c];
      for (int x = 0; x < c; x++) {
        ids[x] = next++;
      }
      lanes.add(
          new PipelinePlan.Lane(
              List.of(stage("helper-" + (i + 1), s1 + 1, sLast, f, bw, block, hz.memoryBytes()[i])),
              ids));
    }
    String cut = s1 + "-" + sLast;
    String detail =
        String.format(
                Locale.ROOT,
                "cuts %s, devices per helper %s, makespan estimate %.4f s per epoch,"
                    + " peak helper memory %.0f bytes",
                cut,
                Arrays.toString(hz.devicesPerHelper()),
                hz.makespanSeconds(),
                Arrays.stream(hz.memoryBytes()).max().orElse(0))
            + nodeText;
    return new Chain(
        new PipelinePlan(
            s.scheme(),
            s.rounds(),
            batches,
            dev,
            up,
            down,
            prop,
            lanes,
            m.aggregateHops(),
            cut,
            hz.makespanSeconds(),
            detail),
        new int[0],
        List.copyOf(physical),
        side.weightBytes().clone());
  }

  /**
   * What the scenario's compute nodes cost per hour: the sum of {@code mpsl.nodes}' prices (every
   * node is paid for the whole epoch, a helper without devices too), NaN without priced nodes.
   */
  public static double pricePerHour(Settings s) {
    return s.mpsl().pricePerHour();
  }

  private static PipelinePlan.Stage stage(
      String name, int from, int to, double f, double b, long instance, double predicted) {
    if (!(f > 0) || !(b > 0)) {
      throw new SettingsException(
          "splitemu.mpsl.hops: "
              + name
              + " would hold units "
              + from
              + ".."
              + to
              + " whose measured forward or backward time is 0; a pipeline stage needs both > 0"
              + " (use fewer hops or other head/tail units)");
    }
    return new PipelinePlan.Stage(name, f, b, instance, predicted);
  }

  /**
   * Batches per device: an even share of the training set, or {@code localSteps} if set; every
   * device holds at least one sample ({@code trainSamples >= devices}, checked by the caller).
   */
  static int[] batches(int trainSamples, int devices, int batch, int localSteps) {
    int[] out = new int[devices];
    for (int d = 0; d < devices; d++) {
      int samples = trainSamples / devices + (d < trainSamples % devices ? 1 : 0);
      out[d] = localSteps > 0 ? localSteps : (samples + batch - 1) / batch;
    }
    return out;
  }

  private static PipelinePlan.DeviceCosts deviceCosts(
      DeviceSide d, double[] mu, int s1, int sLast) {
    int l = d.forwardSeconds().length;
    double headF = 0;
    double headB = 0;
    double tail = 0;
    long w = 0;
    for (int j = 1; j <= s1; j++) {
      headF += d.forwardSeconds()[j - 1];
      headB += d.backwardSeconds()[j - 1];
      w += d.weightBytes()[j - 1];
    }
    for (int j = sLast + 1; j <= l; j++) {
      tail += d.forwardSeconds()[j - 1] + d.backwardSeconds()[j - 1];
      w += d.weightBytes()[j - 1];
    }
    long mem = Math.round(sum(mu, 1, s1) + sum(mu, sLast + 1, l));
    return new PipelinePlan.DeviceCosts(
        headF,
        headB,
        tail,
        Math.round(d.activationBytesPerBatch()[s1 - 1]),
        Math.round(d.activationBytesPerBatch()[sLast - 1]),
        w,
        mem);
  }

  private static double sum(double[] mu, int from, int to) {
    double s = 0;
    for (int j = from; j <= to; j++) {
      s += mu[j - 1];
    }
    return s;
  }

  private static double[] perDevice(
      Settings s, io.splitemu.actors.config.ValueSource v, String stream) {
    // The run's draws (the same named streams as every engine's links).
    return Emulation.perDevice(v, s.devices().count(), s.seed(), stream);
  }

  private static MeasuredProfile read(Settings s, MpslSettings m) {
    String stem = m.model() + "_" + m.dataset();
    Path times = m.profileDir().resolve(stem + "_times.csv");
    Path memory = m.profileDir().resolve(stem + "_memory.csv");
    // measured in float: activation and weight sizes are stated, not shapes to re-price
    io.splitemu.actors.scheme.ShareSplitPolicies.requireFloat(
        s, s.scheme() + "'s measured tables (" + memory + ")");
    for (Path f : List.of(times, memory)) {
      if (!Files.isRegularFile(f)) {
        throw new SettingsException(
            s.where("mpsl.profile-dir")
                + ": measured table "
                + f
                + (Files.isDirectory(f)
                    ? " is a directory, not a file"
                    : Files.exists(f)
                        ? " is not a regular file"
                        : " does not exist" + MpslSettings.profileDirNote(s)),
            true);
      }
    }
    try {
      return MeasuredProfile.read(times, memory);
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      throw new SettingsException(s.where("mpsl.profile-dir") + ": " + e.getMessage(), true);
    }
  }
}

package io.splitemu.actors.runtime;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.UndeliverableException;
import io.splitemu.planner.cpsl.CutPlan;
import io.splitemu.planner.cpsl.RoundPlan;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.LatencyBreakdown;
import io.splitemu.planner.latency.RateFunction;
import io.splitemu.planner.latency.SchemeLatency;
import io.splitemu.planner.latency.ServerState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Round 1 of a run as the runtime would start it, built by the runtime's own code without running
 * it: the devices, shards, compute factors and links of {@link Emulation#prepareBarrier} and {@link
 * Emulation#links}, the CPSL controller's first decisions, and a split scheme's probe and policy.
 * The scheme strategies ({@code io.splitemu.actors.scheme}) plan and predict from these, so a plan
 * never copies a draw of the run.
 */
public final class RoundOne {

  private RoundOne() {}

  /**
   * What a barrier-family planner starts from: the scenario's devices as they stand in round 1.
   *
   * @param devices device n's state in round 1 (round-1 compute factor applied; on trace links the
   *     rates are the idle-link probes at the round's start, for display only)
   * @param sharedSpectrum whether the devices that transmit at once share one band (Shannon links)
   * @param links fresh links of the run, idle at 0, for trace links (the walk integrates each
   *     transfer over them); null on static and Shannon links, whose rates are the closed forms'
   */
  public record BarrierInputs(
      Settings settings,
      CutCosts costs,
      int cut,
      int batch,
      int localSteps,
      List<DeviceState> devices,
      ServerState server,
      boolean sharedSpectrum,
      List<Emulation.LinkPair> links,
      SupervisorSetup setup) {}

  /**
   * The round-1 inputs of a barrier-family scheme; refuses what {@link Emulation#prepareBarrier}
   * refuses, with the same line (it is the same code).
   */
  public static BarrierInputs barrier(Settings s) {
    SupervisorSetup setup = Emulation.prepareBarrier(s).factory().create(null, RunListener.NONE);
    int n = setup.devices().size();
    Settings.LinkSettings l = s.links();
    double prop = l.propagationDelay().toNanos() / 1e9;
    CpslSetup.Links rates = CpslSetup.links(s);
    List<Emulation.LinkPair> links = rates == null ? named(s, Emulation.links(s, n)) : null;
    List<Emulation.LinkPair> probes = rates == null ? Emulation.links(s, n) : null;
    List<DeviceState> devices = new ArrayList<>();
    for (int d = 0; d < n; d++) {
      DeviceSetup ds = setup.devices().get(d);
      RateFunction up;
      RateFunction down;
      if (rates != null) {
        up = rates.uplink(d, 1);
        down = rates.downlink(d, 1);
      } else {
        up = RateFunction.linear(probe(probes.get(d).up(), ds.id(), "uplink"));
        down = RateFunction.linear(probe(probes.get(d).down(), ds.id(), "downlink"));
      }
      devices.add(
          new DeviceState(
                  Integer.toString(ds.id()),
                  ds.flopsPerSecond() * setup.factors().of(ds.id(), 1),
                  ds.shard().length,
                  up,
                  down)
              .withPropagation(prop));
    }
    return new BarrierInputs(
        s,
        CutCosts.of(ModelZoo.profile(s.model().name(), Emulation.dataType(s))),
        s.model().cut(),
        s.batchSize(),
        s.localSteps(),
        devices,
        new ServerState(s.serverFlops()),
        l.kind().equals("shannon"),
        links,
        setup);
  }

  /**
   * The full-band rate (bit/s) the supervisor estimates for an idle link at the start of round 1:
   * its probe ({@link SplitPolicy#probeRate}); a link that can deliver nothing from 0 on is refused
   * naming device {@code device}'s {@code direction}, as the run refuses it.
   */
  static double probe(LinkTiming link, int device, String direction) {
    link.round(1);
    double bps = SplitPolicy.probeRate(link, 0);
    if (bps == 0) {
      throw new IllegalArgumentException(SplitPolicy.carriesNothing(device, direction, 0, 1));
    }
    return bps;
  }

  /**
   * A transfer of round 1 that can never arrive (its device's trace stops, or holds a rate of 0,
   * before its last byte): the run would stop in round 1 with it, so the plan stops with one line
   * naming the device, the direction, its trace file and {@code links.trace.end}.
   */
  public static final class Undeliverable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Undeliverable(String message) {
      super(message);
    }
  }

  /** {@code links}, each of whose transfers that can never arrive is an {@link Undeliverable}. */
  private static List<Emulation.LinkPair> named(Settings s, List<Emulation.LinkPair> links) {
    Settings.LinkSettings l = s.links();
    int n = links.size();
    long[] pairs =
        l.kind().equals("trace")
            ? Emulation.tracePairs(
                l.traceUplink().size(), l.traceDownlink().size(), n, s.seed(), l.traceAssign())
            : null;
    List<Emulation.LinkPair> out = new ArrayList<>();
    for (int d = 0; d < n; d++) {
      Path upFile =
          pairs == null ? null : l.traceUplink().get((int) (pairs[d] % l.traceUplink().size()));
      Path downFile =
          pairs == null ? null : l.traceDownlink().get((int) (pairs[d] % l.traceDownlink().size()));
      String end = l.traceEnd();
      out.add(
          new Emulation.LinkPair(
              new Named(links.get(d).up(), d, "uplink", upFile, end),
              new Named(links.get(d).down(), d, "downlink", downFile, end)));
    }
    return out;
  }

  /** A link of round 1 whose transfer that can never arrive names the device and its trace. */
  private record Named(LinkTiming link, int device, String direction, Path file, String end)
      implements LinkTiming {
    @Override
    public long arrival(long sendNs, long bytes, double share) {
      try {
        return link.arrival(sendNs, bytes, share);
      } catch (UndeliverableException e) {
        // The run's words (device-N failed: uplink band: transfer of ... can never arrive: ...).
        throw new Undeliverable(
            "device-"
                + device
                + " failed: "
                + direction
                + ": transfer of "
                + bytes
                + " bytes sent at "
                + EmulatedInstant.ofNanos(sendNs)
                + " can never arrive: "
                + e.getMessage()
                + (file == null
                    ? ""
                    : " (its trace "
                        + file
                        + ", links.trace.end = "
                        + end
                        + (end.equals("loop") ? "" : "; loop repeats the trace")
                        + ")"));
      }
    }

    @Override
    public void round(int round) {
      link.round(round);
    }

    @Override
    public long propagationNanos() {
      return link.propagationNanos();
    }

    @Override
    public long probe(long sendNs, long bytes) {
      return link.probe(sendNs, bytes);
    }

    @Override
    public double capacityBps(long fromNs, long toNs) {
      return link.capacityBps(fromNs, toNs);
    }

    @Override
    public long downForGoodNs() {
      return link.downForGoodNs();
    }

    @Override
    public long lostBytes() {
      return link.lostBytes();
    }
  }

  // ---- the barrier walk over trace links ----

  /**
   * Barrier visits one after another from emulated time 0, each transfer integrated over the
   * devices' links from the instant it starts, as the runtime times it: per visit the broadcast of
   * the device model (full band), {@code E} barrier steps (forward, activations and labels up, the
   * server on the concatenated batch, gradients down, backward; the next step when every member is
   * done) and the FedAvg upload. The breakdown follows the critical device of each phase, as {@link
   * SchemeLatency} does.
   *
   * @param visits members of each visit, in order
   */
  public static LatencyBreakdown walkVisits(BarrierInputs in, List<int[]> visits) {
    long t = 0;
    double compute = 0;
    double server = 0;
    double comm = 0;
    double aggregation = 0;
    CutCosts c = in.costs();
    int cut = in.cut();
    int b = in.batch();
    long upBytes = (long) b * (c.cutBytes(cut) + DeviceSetup.LABEL_BYTES);
    long downBytes = (long) b * c.cutBytes(cut);
    long model = c.deviceParamBytes(cut);
    EmulatedCpu edge = new EmulatedCpu("edge");
    for (int[] members : visits) {
      List<DeviceState> ds = new ArrayList<>();
      for (int m : members) {
        ds.add(in.devices().get(m));
      }
      int e = SchemeLatency.visitSteps(in.localSteps(), ds, b);
      long start = t;
      long bcast = t;
      for (int m : members) {
        bcast = Math.max(bcast, in.links().get(m).down().arrival(t, model, 1.0));
      }
      t = bcast;
      for (int step = 0; step < e; step++) {
        long upEnd = t;
        long critUp = -1;
        double upCompute = 0;
        for (int m : members) {
          DeviceState d = in.devices().get(m);
          long f = cpu(d).end(t, b * c.deviceForwardFlops(cut), d.flopsPerSecond());
          long u = in.links().get(m).up().arrival(f, upBytes, 1.0);
          if (u > critUp) {
            critUp = u;
            upCompute = (f - t) / 1e9;
          }
          upEnd = Math.max(upEnd, u);
        }
        long srvEnd =
            edge.end(
                upEnd,
                (double) b * members.length * c.serverFlops(cut),
                in.server().flopsPerSecond());
        long stepEnd = srvEnd;
        long critDown = -1;
        double downCompute = 0;
        double downComm = 0;
        for (int m : members) {
          DeviceState d = in.devices().get(m);
          long g = in.links().get(m).down().arrival(srvEnd, downBytes, 1.0);
          long back = cpu(d).end(g, b * c.deviceBackwardFlops(cut), d.flopsPerSecond());
          if (back > critDown) {
            critDown = back;
            downCompute = (back - g) / 1e9;
            downComm = (g - srvEnd) / 1e9;
          }
          stepEnd = Math.max(stepEnd, back);
        }
        compute += upCompute + downCompute;
        server += (srvEnd - upEnd) / 1e9;
        comm += (upEnd - t) / 1e9 - upCompute + downComm;
        t = stepEnd;
      }
      long upload = t;
      for (int m : members) {
        upload = Math.max(upload, in.links().get(m).up().arrival(t, model, 1.0));
      }
      aggregation += (bcast - start + upload - t) / 1e9;
      t = upload;
    }
    return new LatencyBreakdown(compute, server, comm, aggregation);
  }

  /**
   * SplitFed v1 from emulated time 0 over the devices' links: every device runs its own {@code E_n}
   * steps on its own server copy (an equal share of the server) and uploads its model; when the
   * last upload is in, the aggregate goes down to every device. The breakdown follows the device
   * whose upload ends last.
   */
  public static LatencyBreakdown walkPerDeviceCopies(BarrierInputs in) {
    CutCosts c = in.costs();
    int cut = in.cut();
    int b = in.batch();
    int n = in.devices().size();
    long upBytes = (long) b * (c.cutBytes(cut) + DeviceSetup.LABEL_BYTES);
    long downBytes = (long) b * c.cutBytes(cut);
    long model = c.deviceParamBytes(cut);
    long all = 0;
    LatencyBreakdown crit = LatencyBreakdown.ZERO;
    for (int m = 0; m < n; m++) {
      DeviceState d = in.devices().get(m);
      Emulation.LinkPair link = in.links().get(m);
      EmulatedCpu copy = new EmulatedCpu("edge/copy-" + m);
      long steps = in.localSteps() > 0 ? in.localSteps() : d.stepsPerEpoch(b);
      long t = 0;
      long compute = 0;
      long server = 0;
      long comm = 0;
      for (long step = 0; step < steps; step++) {
        long f = cpu(d).end(t, b * c.deviceForwardFlops(cut), d.flopsPerSecond());
        long u = link.up().arrival(f, upBytes, 1.0);
        long s = copy.end(u, (double) b * c.serverFlops(cut), in.server().flopsPerSecond() / n);
        long g = link.down().arrival(s, downBytes, 1.0);
        long back = cpu(d).end(g, b * c.deviceBackwardFlops(cut), d.flopsPerSecond());
        compute += (f - t) + (back - g);
        server += s - u;
        comm += (u - f) + (g - s);
        t = back;
      }
      long upload = link.up().arrival(t, model, 1.0);
      if (upload >= all) {
        all = upload;
        crit = new LatencyBreakdown(compute / 1e9, server / 1e9, comm / 1e9, (upload - t) / 1e9);
      }
    }
    long end = all;
    for (int m = 0; m < n; m++) {
      end = Math.max(end, in.links().get(m).down().arrival(all, model, 1.0));
    }
    return crit.plus(new LatencyBreakdown(0, 0, 0, (end - all) / 1e9));
  }

  private static EmulatedCpu cpu(DeviceState d) {
    // A device's processor is idle whenever its next work is ready in a barrier round.
    return new EmulatedCpu("device-" + d.id());
  }

  // ---- CPSL ----

  /** CPSL's first decisions: the cut, the clusters and shares of round 1, and their prediction. */
  public record CpslRoundOne(
      String cutDecision, int cut, RoundPlan plan, LatencyBreakdown predicted) {}

  /**
   * Round 1 of a cpsl-family scheme as the supervisor decides it ({@link CpslControl}: SAA, the
   * schedule or the fixed cut, then clusters and shares from the nominal states), predicted by
   * {@link SchemeLatency#cpslRound} on the devices as they are in round 1.
   */
  public static CpslRoundOne cpsl(BarrierInputs in) {
    Settings s = in.settings();
    SupervisorSetup setup = in.setup();
    CpslSetup cs = setup.cpsl();
    List<CpslControl.Device> running = new ArrayList<>();
    for (DeviceSetup d : setup.devices()) {
      running.add(new CpslControl.Device(d.id(), d.flopsPerSecond(), d.shard().length));
    }
    CpslControl control =
        new CpslControl(cs, s.batchSize(), s.localSteps(), setup.server().flopsPerSecond());
    int cut = cs.initialCut();
    String why;
    if (control.saa()) {
      CutPlan p = control.planCut(running);
      cut = p.cut();
      why = CpslControl.describe(p);
    } else if (control.scheduled()) {
      cut = control.scheduledCut(1);
      why = "cut " + cut + " scheduled for round 1";
    } else {
      why = "cut " + cut + " fixed all run";
    }
    RoundPlan plan = control.planRound(1, cut, running, setup.factors());
    LatencyBreakdown p =
        SchemeLatency.cpslRound(
            CutCosts.of(cs.profile()),
            cut,
            s.batchSize(),
            s.localSteps(),
            in.devices(),
            plan.clusters(),
            in.server());
    return new CpslRoundOne(why, cut, plan, p);
  }

  // ---- split schemes ----

  /**
   * Round 1 of a split-family scheme.
   *
   * @param uplinkBps the full-band rate the supervisor estimates per device at the round's start
   * @param plans what the scheme's policy decides from those rates
   * @param row the round as the run would record it (latency and breakdown)
   */
  public record SplitRoundOne(
      double[] uplinkBps,
      double[] downlinkBps,
      List<SplitPolicy.DevicePlan> plans,
      RoundRecord row) {}

  /**
   * Plans round 1 with {@code policy} from the supervisor's probes of {@code probes} and walks it
   * over {@code links} with the device actors' own timing ({@link DeviceClock}, {@link
   * RoundedCpu}): each device's steps at its own rate, shares and server rate, its model upload, or
   * the aggregation barrier (every upload, then the aggregate's download) when the plan has one;
   * the row is the run's ({@link Supervisor#splitRow}).
   */
  public static SplitRoundOne split(
      Settings s,
      SplitPolicy policy,
      double[] flops,
      List<Emulation.LinkPair> links,
      List<Emulation.LinkPair> probes) {
    int n = flops.length;
    double[] up = new double[n];
    double[] down = new double[n];
    for (int d = 0; d < n; d++) {
      up[d] = probe(probes.get(d).up(), d, "uplink");
      down[d] = probe(probes.get(d).down(), d, "downlink");
    }
    List<SplitPolicy.DevicePlan> plans = policy.plan(1, up, down);
    links = named(s, links);
    int b = s.batchSize();
    List<EdgeServer.DevicePath> paths = new ArrayList<>();
    long barrier = 0;
    for (int d = 0; d < n; d++) {
      SplitPolicy.DevicePlan p = plans.get(d);
      LinkTiming ul = links.get(d).up();
      LinkTiming dl = links.get(d).down();
      ul.round(1);
      dl.round(1);
      // The device's steps as the device actor and its server copy time them (Device.nextLocal,
      // EdgeServer's server step): the same clock calls in the same order.
      DeviceClock clock = new DeviceClock();
      clock.reset(true);
      RoundedCpu cpu = new RoundedCpu();
      RoundedCpu copy = new RoundedCpu();
      long now = 0;
      long serverNs = 0;
      for (int step = 0; step < p.steps(); step++) {
        long arrival = clock.activationsUp(p, b, ul, clock.forward(p, b, cpu, flops[d], now));
        long served = p.serverFlops() > 0 ? DeviceClock.serve(copy, p, b, arrival) : arrival;
        serverNs += served - arrival;
        now = clock.backward(p, b, cpu, flops[d], clock.gradientDown(p, b, dl, served));
      }
      paths.add(new EdgeServer.DevicePath(now, clock.stats().computeNs(), serverNs));
      barrier = Math.max(barrier, clock.modelUp(p, ul, now));
    }
    long end = barrier;
    if (plans.get(0).aggregateAtBarrier()) {
      long all = 0;
      for (int d = 0; d < n; d++) {
        SplitPolicy.DevicePlan p = plans.get(d);
        all = Math.max(all, links.get(d).up().arrival(barrier, p.modelBytes(), p.modelUpShare()));
      }
      for (int d = 0; d < n; d++) {
        SplitPolicy.DevicePlan p = plans.get(d);
        end = Math.max(end, links.get(d).down().arrival(all, p.modelBytes(), p.modelDownShare()));
      }
    }
    String cut = Supervisor.splitCuts(plans);
    RoundRecord row =
        Supervisor.splitRow(
            s.scheme(), 1, 0, end, paths, 0, cut, Double.NaN, Double.NaN, 0, Double.NaN);
    return new SplitRoundOne(up, down, plans, row);
  }
}

package io.splitemu.bench;

import io.splitemu.model.profile.BuiltinProfiles;
import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.link.LinkModel;
import io.splitemu.net.link.LinkState;
import io.splitemu.net.trace.EndPolicy;
import io.splitemu.net.trace.Trace;
import io.splitemu.net.trace.TraceFormats;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.RateFunction;
import io.splitemu.planner.latency.ServerState;
import io.splitemu.planner.sfl.RobustSflPlanner;
import io.splitemu.planner.sfl.SflPlan;
import io.splitemu.planner.sfl.SflPlanner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * SFL with server compute allocation on real trace links: the uniform baseline, the alternation on
 * the last round's achieved rates (the runtime's {@code sfl-compute}) and {@link RobustSflPlanner},
 * each round's transfers served by the trace links exactly as the emulator serves them ({@link
 * LinkModel#serve}, FIFO, looped traces, propagation delay), over several trace sets and seeds
 * (each seed starts every device at its own random offset into its traces). A hindsight row picks,
 * every round, the candidate plan that is fastest on the coming trace: no planner that chooses
 * among those candidates can do better. Writes {@code sfl-traces.md}.
 *
 * <p>Usage: {@code SflTraceStudy <data dir> <output dir> [rounds] [seeds]}.
 */
public final class SflTraceStudy {

  static final int BATCH = 16;
  static final int STEPS = 100;
  static final double[] FLOPS = {2e9, 4e9, 6e9, 1e10, 2e10, 3e10, 5e10, 8e10};
  static final long PROP_NANOS = 20_000_000L;
  static final double[] QUANTILES = {0.1, 0.25, 0.5};
  static final int WINDOW = 10;

  private final CutCosts costs;
  private final List<LinkModel> ups;
  private final List<LinkModel> downs;
  private final long[] offsets;
  private final ServerState server;

  SflTraceStudy(
      CutCosts costs, List<LinkModel> ups, List<LinkModel> downs, long[] offsets, double server) {
    this.costs = costs;
    this.ups = ups;
    this.downs = downs;
    this.offsets = offsets;
    this.server = new ServerState(server);
  }

  /** What one round did: its length and each device's achieved {up, down} bit/s. */
  record Round(double seconds, double[][] achieved) {}

  /** Serves one round of the plan from {@code t0} seconds on idle links. */
  Round run(SflPlan plan, double t0) {
    int n = FLOPS.length;
    double end = t0;
    double[][] achieved = new double[n][2];
    for (int d = 0; d < n; d++) {
      int cut = plan.cuts()[d];
      double f = plan.serverFlops()[d];
      long off = offsets[d];
      double t = t0;
      LinkState up = LinkState.IDLE;
      LinkState down = LinkState.IDLE;
      double[] bits = new double[2];
      double[] busy = new double[2];
      long actBytes = (long) BATCH * costs.cutBytes(cut);
      for (int i = 0; i < STEPS; i++) {
        t += BATCH * costs.deviceForwardFlops(cut) / FLOPS[d];
        double[] r = send(ups.get(d), up, t, off, actBytes);
        up = new LinkState(EmulatedInstant.ofNanos((long) r[2]), (long) r[3]);
        bits[0] += 8.0 * actBytes;
        busy[0] += r[1];
        t = r[0];
        if (costs.serverFlops(cut) > 0) {
          t += BATCH * costs.serverFlops(cut) / f;
        }
        r = send(downs.get(d), down, t, off, actBytes);
        down = new LinkState(EmulatedInstant.ofNanos((long) r[2]), (long) r[3]);
        bits[1] += 8.0 * actBytes;
        busy[1] += r[1];
        t = r[0];
        t += BATCH * costs.deviceBackwardFlops(cut) / FLOPS[d];
      }
      long model = costs.deviceParamBytes(cut);
      double[] r = send(ups.get(d), up, t, off, model);
      bits[0] += 8.0 * model;
      busy[0] += r[1];
      t = r[0];
      achieved[d][0] = busy[0] > 0 ? bits[0] / busy[0] : probe(ups.get(d), t0, off);
      achieved[d][1] = busy[1] > 0 ? bits[1] / busy[1] : probe(downs.get(d), t0, off);
      end = Math.max(end, t);
    }
    return new Round(end - t0, achieved);
  }

  /**
   * One transfer of {@code bytes} handed over at {@code t} seconds (device clock): returns {arrival
   * s, serialisation s, the link's new freeAt in link nanos, its next opportunity}.
   */
  private static double[] send(LinkModel link, LinkState state, double t, long off, long bytes) {
    long sendNanos = Math.round(t * 1e9) + off;
    LinkState after = link.serve(state, EmulatedInstant.ofNanos(sendNanos), bytes);
    long free = after.freeAt().nanos();
    long start = Math.max(sendNanos, state.freeAt().nanos());
    double arrival = (free + link.propagationNanos() - off) / 1e9;
    return new double[] {arrival, (free - start) / 1e9, free, after.nextOpportunity()};
  }

  /**
   * Mean rate of the idle link over the 10 s after {@code t0}, as the runtime's probe; a window
   * that carries nothing is doubled until it does.
   */
  private static double probe(LinkModel link, double t0, long off) {
    long s = Math.round(t0 * 1e9) + off;
    for (long w = 10_000_000_000L; ; w *= 2) {
      double bits =
          link.capacityBits(EmulatedInstant.ofNanos(s), EmulatedInstant.ofNanos(s + w))
              .doubleValue();
      if (bits > 0) {
        return bits / (w / 1e9);
      }
    }
  }

  List<DeviceState> states(double[][] rates) {
    List<DeviceState> out = new ArrayList<>();
    for (int d = 0; d < FLOPS.length; d++) {
      out.add(
          new DeviceState(
              "device-" + d,
              FLOPS[d],
              (long) BATCH * STEPS,
              RateFunction.linear(rates[d][0]),
              RateFunction.linear(rates[d][1]),
              Long.MAX_VALUE,
              PROP_NANOS / 1e9));
    }
    return out;
  }

  /** Total emulated seconds of {@code rounds} rounds under each policy. */
  Map<String, Double> compare(int rounds) {
    Map<String, Double> total = new LinkedHashMap<>();
    for (String policy : List.of("uniform", "sfl-compute", "robust", "hindsight")) {
      double t = 0;
      int n = FLOPS.length;
      double[][] rates = new double[n][2];
      for (int d = 0; d < n; d++) {
        rates[d][0] = probe(ups.get(d), 0, offsets[d]);
        rates[d][1] = probe(downs.get(d), 0, offsets[d]);
      }
      List<double[][]> history = new ArrayList<>();
      SflPlanner sfl = new SflPlanner(costs, BATCH);
      RobustSflPlanner robust = new RobustSflPlanner(costs, BATCH, QUANTILES, WINDOW);
      for (int r = 0; r < rounds; r++) {
        List<DeviceState> s = states(rates);
        Round done;
        if (policy.equals("uniform")) {
          done = run(sfl.uniformBaseline(s, server), t);
        } else if (policy.equals("sfl-compute")) {
          done = run(sfl.plan(s, server), t);
        } else if (policy.equals("robust")) {
          done = run(robust.plan(s, history, server).plan(), t);
        } else {
          done = null;
          for (SflPlan p : candidates(sfl, s, history)) {
            Round c = run(p, t);
            if (done == null || c.seconds() < done.seconds()) {
              done = c;
            }
          }
        }
        t += done.seconds();
        history.add(done.achieved());
        rates = done.achieved();
      }
      total.put(policy, t);
    }
    return total;
  }

  private List<SflPlan> candidates(SflPlanner sfl, List<DeviceState> s, List<double[][]> h) {
    List<SflPlan> c = new ArrayList<>();
    c.add(sfl.plan(s, server));
    c.add(sfl.uniformBaseline(s, server));
    if (!h.isEmpty()) {
      List<double[][]> w = h.subList(Math.max(0, h.size() - WINDOW), h.size());
      for (double q : QUANTILES) {
        c.add(sfl.plan(states(quantile(w, q)), server));
      }
    }
    return c;
  }

  private static double[][] quantile(List<double[][]> w, double q) {
    int n = w.get(0).length;
    double[][] out = new double[n][2];
    for (int d = 0; d < n; d++) {
      for (int k = 0; k < 2; k++) {
        double[] v = new double[w.size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = w.get(i)[d][k];
        }
        java.util.Arrays.sort(v);
        double pos = q * (v.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(v.length - 1, lo + 1);
        out[d][k] = v[lo] + (pos - lo) * (v[hi] - v[lo]);
      }
    }
    return out;
  }

  /** Trace sets: name, format, uplink files, downlink files (device d takes element d mod size). */
  record TraceSet(String name, String format, List<Path> ups, List<Path> downs) {}

  static List<TraceSet> traceSets(Path data) {
    Path mm = data.resolve("traces/mahimahi");
    List<String> pairs =
        List.of(
            "TMobile-LTE-short",
            "Verizon-LTE-short",
            "ATT-LTE-driving-2016",
            "TMobile-UMTS-driving",
            "Verizon-EVDO-driving");
    Path no = data.resolve("traces/pensieve-norway-hsdpa-cooked");
    List<String> norway =
        List.of(
            "norway_bus_1",
            "norway_car_2",
            "norway_ferry_2",
            "norway_metro_2",
            "norway_train_1",
            "norway_tram_10");
    Path fc = data.resolve("traces/pensieve-fcc-cooked");
    List<String> fcc =
        List.of(
            "trace_26689_http---www.amazon.com", "trace_397686_http---www.facebook.com",
            "trace_5294_http---www.youtube.com", "trace_939562_http---www.google.com-mobile-");
    return List.of(
        new TraceSet(
            "mahimahi LTE/3G/EVDO",
            "mahimahi",
            pairs.stream().map(p -> mm.resolve(p + ".up")).toList(),
            pairs.stream().map(p -> mm.resolve(p + ".down")).toList()),
        new TraceSet(
            "Norway HSDPA",
            "pensieve",
            norway.stream().map(no::resolve).toList(),
            rotate(norway).stream().map(no::resolve).toList()),
        new TraceSet(
            "FCC broadband",
            "pensieve",
            fcc.stream().map(fc::resolve).toList(),
            rotate(fcc).stream().map(fc::resolve).toList()));
  }

  private static List<String> rotate(List<String> l) {
    List<String> r = new ArrayList<>(l.subList(1, l.size()));
    r.add(l.get(0));
    return r;
  }

  /** Runs one trace set, seed and server rate. */
  static Map<String, Double> one(CutCosts costs, TraceSet set, long seed, double server, int rounds)
      throws IOException {
    List<LinkModel> ups = new ArrayList<>();
    List<LinkModel> downs = new ArrayList<>();
    long[] offsets = new long[FLOPS.length];
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int d = 0; d < FLOPS.length; d++) {
      Trace u = TraceFormats.byName(set.format()).read(set.ups().get(d % set.ups().size()));
      Trace w = TraceFormats.byName(set.format()).read(set.downs().get(d % set.downs().size()));
      ups.add(u.link(EndPolicy.LOOP, PROP_NANOS));
      downs.add(w.link(EndPolicy.LOOP, PROP_NANOS));
      // seed 0 starts every trace at its beginning, as the runtime does
      offsets[d] = seed == 0 ? 0 : rnd.nextLong(Math.min(u.passNanos(), w.passNanos()));
    }
    return new SflTraceStudy(costs, ups, downs, offsets, server).compare(rounds);
  }

  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("usage: SflTraceStudy <data dir> <output dir> [rounds] [seeds]");
      System.exit(2);
    }
    Path data = Path.of(args[0]);
    Path out = Path.of(args[1]);
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    int seeds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    Files.createDirectories(out);
    CutCosts costs =
        CutCosts.of(BuiltinProfiles.get(BuiltinProfiles.EFFICIENTNETV2_S_MNIST).toChain());
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("sfl-traces.md")))) {
      w.println(
          "| server FLOP/s | traces | seed | uniform (s) | sfl-compute (s) | robust (s) |"
              + " hindsight (s) | sfl-compute vs uniform | robust vs uniform |"
              + " hindsight vs uniform |");
      w.println("|---|---|---|---|---|---|---|---|---|---|");
      for (double server : new double[] {1e11, 5e12}) {
        for (TraceSet set : traceSets(data)) {
          for (long seed = 0; seed < seeds; seed++) {
            Map<String, Double> r = one(costs, set, seed, server, rounds);
            double u = r.get("uniform");
            w.printf(
                Locale.ROOT,
                "| %.0e | %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f%% | %.1f%% | %.1f%% |%n",
                server,
                set.name(),
                seed,
                u,
                r.get("sfl-compute"),
                r.get("robust"),
                r.get("hindsight"),
                100 * (1 - r.get("sfl-compute") / u),
                100 * (1 - r.get("robust") / u),
                100 * (1 - r.get("hindsight") / u));
            w.flush();
          }
        }
      }
    }
    System.out.println("wrote " + out.resolve("sfl-traces.md"));
  }
}

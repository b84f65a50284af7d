package io.splitemu.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.splitemu.model.profile.MeasuredProfile;
import io.splitemu.planner.memory.MemoryAccounting;
import io.splitemu.planner.memory.MemoryModel;
import io.splitemu.planner.memory.UnitMemory;
import io.splitemu.planner.multihop.DeviceSide;
import io.splitemu.planner.multihop.PricedNodes;
import io.splitemu.planner.multihop.PricedNodes.Node;
import io.splitemu.planner.multihop.PricedNodes.Plan;
import io.splitemu.planner.multihop.PricedNodes.Setting;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The MP-SL cost study: multihop against horizontal helpers on priced, memory-limited node pools
 * (the {@code cost-study} block of a scenario), by the planner's epoch estimate; writes {@code
 * mpsl-cost.md} to the output folder.
 *
 * <p>Usage: {@code MpslCostStudy <scenario.conf> <data dir> <output dir>}.
 */
public final class MpslCostStudy {

  private MpslCostStudy() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println("usage: MpslCostStudy <scenario.conf> <data dir> <output dir>");
      System.exit(2);
    }
    Config all = ConfigFactory.parseFile(Path.of(args[0]).toFile()).resolve();
    Config sl = all.getConfig("splitemu");
    Config study = all.getConfig("cost-study");
    Path data = Path.of(args[1]);
    Path out = Path.of(args[2]);
    Files.createDirectories(out);
    List<Node> pool = nodes(study, "pool");
    List<Node> reference = nodes(study, "reference-pool");
    int batch = sl.getInt("batch-size");
    int samples = sl.getInt("data.train-samples");
    double up = sl.getDouble("links.static.uplink-bps");
    double down = sl.getDouble("links.static.downlink-bps");
    String deviceType = sl.getString("mpsl.device-type");
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("mpsl-cost.md")))) {
      w.println(
          "| model | K | pool | scheme | nodes (order) | epoch (s) | cost per epoch |"
              + " peak memory per node (GB) | cuts or devices per node |");
      w.println("|---|---|---|---|---|---|---|---|---|");
      for (Config m : study.getConfigList("models")) {
        String model = m.getString("model");
        MeasuredProfile p =
            MeasuredProfile.read(
                data.resolve("profiles/mpsl-measured/" + model + "_cifar_times.csv"),
                data.resolve("profiles/mpsl-measured/" + model + "_cifar_memory.csv"));
        UnitMemory um = UnitMemory.of(p);
        int l = p.unitCount();
        double[] mu = new double[l];
        for (int j = 1; j <= l; j++) {
          mu[j - 1] = MemoryModel.unitBytes(um, j, batch, MemoryAccounting.PAPER, 0);
        }
        DeviceSide side =
            DeviceSide.fromMeasured(p, deviceType, batch, up, down)
                .withPropagation(
                    sl.hasPath("links.propagation-delay")
                        ? sl.getDuration("links.propagation-delay").toNanos() / 1e9
                        : 0);
        for (int k : study.getIntList("devices")) {
          int perDevice = (samples + k - 1) / k;
          int batches = (perDevice + batch - 1) / batch;
          Setting s =
              new Setting(
                  p,
                  side,
                  mu,
                  m.getInt("head-units"),
                  l - m.getInt("tail-units"),
                  k,
                  batches,
                  batch);
          row(w, model, k, "reference", PricedNodes.multihop(s, reference), "mpsl");
          row(w, model, k, "reference", PricedNodes.horizontal(s, reference), "horizontal");
          row(w, model, k, "pool, all nodes", PricedNodes.multihop(s, pool), "mpsl");
          row(w, model, k, "pool, all nodes", PricedNodes.horizontal(s, pool), "horizontal");
          row(w, model, k, "pool, cheapest subset", PricedNodes.cheapest(s, pool, true), "mpsl");
          row(
              w,
              model,
              k,
              "pool, cheapest subset",
              PricedNodes.cheapest(s, pool, false),
              "horizontal");
        }
      }
    }
    System.out.println("wrote " + out.resolve("mpsl-cost.md"));
  }

  private static List<Node> nodes(Config study, String key) {
    return study.getConfigList(key).stream()
        .map(
            c ->
                new Node(
                    c.getString("type"),
                    c.getDouble("memory-bytes"),
                    c.getDouble("price-per-hour")))
        .toList();
  }

  private static void row(
      PrintWriter w, String model, int k, String pool, Optional<Plan> plan, String scheme) {
    if (plan.isEmpty()) {
      w.printf(
          Locale.ROOT,
          "| %s | %d | %s | %s | infeasible (memory) | | | | |%n",
          model,
          k,
          pool,
          scheme);
      return;
    }
    Plan p = plan.get();
    w.printf(
        Locale.ROOT,
        "| %s | %d | %s | %s | %s | %.1f | %.4f | %.1f | %s |%n",
        model,
        k,
        pool,
        scheme,
        p.nodes().stream().map(Node::type).collect(Collectors.joining(", ")),
        p.epochSeconds(),
        p.costPerEpoch(),
        p.peakMemoryBytes() / 1e9,
        Arrays.toString(p.detail()));
  }
}

package io.splitemu.actors.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.splitemu.planner.multihop.PricedNodes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code splitemu.mpsl} block: the measured profile, the device and hop types, the device-held
 * head and tail, the number of hops (or helpers for {@code mpsl-horizontal}) and how hop memory is
 * counted.
 *
 * @param profileDir folder of the {@code <model>_<dataset>_times.csv} and {@code _memory.csv}
 *     tables (resolved against the scenario file's folder)
 * @param model measured model: {@code vgg19} or {@code resnet101}
 * @param dataset measured input: {@code cifar} or {@code mnist}
 * @param deviceType the table's device column used for the devices (e.g. {@code d1})
 * @param hopType the table's device column used for the compute hops (e.g. {@code VM})
 * @param hops N, the compute hops of {@code mpsl}
 * @param helpers H, the one-hop helpers of {@code mpsl-horizontal}
 * @param hopSlowdown per-hop factor on the measured times (hop i takes element i mod length)
 * @param headUnits s_1: units 1..s_1 stay on the device
 * @param tailUnits units L-tail+1..L stay on the device
 * @param objective the placement's period: {@code sum-of-maxima} or {@code max-of-sums}
 * @param hopMemoryBytes memory limit of each hop or helper (0: unlimited)
 * @param memoryAccounting {@code paper} or {@code full} (see {@code MemoryAccounting})
 * @param optimizerSlots weight-sized optimizer buffers under {@code full} accounting
 * @param aggregateHops also FedAvg each hop's per-device instances at the end of an epoch
 * @param nodes the priced compute nodes (each a measured type, a memory cap and a price per hour);
 *     when not empty they are the hops of {@code mpsl} (in the order the planner finds fastest) and
 *     the helpers of {@code mpsl-horizontal}, in place of {@code hops}, {@code helpers}, {@code
 *     hop-type}, {@code hop-slowdown} and {@code hop-memory-bytes}
 */
public record MpslSettings(
    Path profileDir,
    String model,
    String dataset,
    String deviceType,
    String hopType,
    int hops,
    int helpers,
    List<Double> hopSlowdown,
    int headUnits,
    int tailUnits,
    String objective,
    double hopMemoryBytes,
    String memoryAccounting,
    int optimizerSlots,
    boolean aggregateHops,
    List<PricedNodes.Node> nodes) {

  /** The schemes that run on the pipeline engine. */
  public static final List<String> SCHEMES = List.of("mpsl", "mpsl-horizontal");

  /** Whether {@code scheme} is an MP-SL pipeline scheme. */
  public static boolean isPipeline(String scheme) {
    return SCHEMES.contains(scheme);
  }

  /** The range of each {@code hop-slowdown} factor. */
  static final double MIN_HOP_SLOWDOWN = 0.01;

  static final double MAX_HOP_SLOWDOWN = 1e6;

  /** Reads the block from a scenario's resolved configuration; a bad value fails naming its key. */
  public static MpslSettings of(Settings s) {
    Config all;
    try {
      // The resolved text has lost the files and lines, so messages name the key only.
      all = ConfigFactory.parseString(s.resolved()).resolve();
    } catch (ConfigException e) {
      throw new SettingsException("splitemu.mpsl: " + e.getMessage().replace('\n', ' '));
    }
    return read(new SettingsReader(all, Settings.NS).at("mpsl"), base(s));
  }

  /**
   * How the refusal of a measured table that is not there ends when its folder is not there either:
   * {@code " (a relative mpsl.profile-dir is taken from the scenario's folder, /s)"}; "" when the
   * folder is there or was given as an absolute path.
   */
  public static String profileDirNote(Settings s) {
    try {
      String given =
          ConfigFactory.parseString(s.resolved())
              .resolve()
              .getString(Settings.NS + ".mpsl.profile-dir");
      return java.nio.file.Files.isDirectory(base(s).resolve(given))
          ? ""
          : Settings.fromScenarioFolder("mpsl.profile-dir", given, base(s));
    } catch (ConfigException | java.nio.file.InvalidPathException e) {
      return ""; // refused by of() with its key
    }
  }

  // The scenario file's folder, from which a relative profile-dir is taken.
  private static Path base(Settings s) {
    return s.scenarioFile() == null || s.scenarioFile().toAbsolutePath().getParent() == null
        ? Path.of("")
        : s.scenarioFile().toAbsolutePath().getParent();
  }

  /**
   * The block below {@code r}, with a relative {@code profile-dir} taken from {@code base}: from
   * the scenario as loaded (its files and lines named in refusals) or from its resolved text.
   */
  static MpslSettings read(SettingsReader r, Path base) {
    List<Double> slow = r.numbers("hop-slowdown");
    if (slow.isEmpty()) {
      throw r.error("hop-slowdown", "needs at least one factor");
    }
    for (double f : slow) {
      // A hop a hundred times faster than its measured column is already beyond the hardware the
      // tables measure; 1e-6 made jobs of a few nanoseconds, and the hops' lookahead crept on by
      // that much a message, so the run never ended.
      if (!(f >= MIN_HOP_SLOWDOWN && f <= MAX_HOP_SLOWDOWN)) {
        throw r.error(
            "hop-slowdown",
            "every factor must be in [0.01, 1e6] (times the measured time), got " + f);
      }
    }
    return new MpslSettings(
        base.resolve(r.nonEmpty("profile-dir")).normalize(),
        r.oneOf("model", List.of("vgg19", "resnet101")),
        r.oneOf("dataset", List.of("cifar", "mnist")),
        r.nonEmpty("device-type"),
        r.nonEmpty("hop-type"),
        r.intIn("hops", 1, 64),
        r.intIn("helpers", 1, 64),
        List.copyOf(slow),
        r.intIn("head-units", 1, 10_000),
        r.intIn("tail-units", 1, 10_000),
        r.oneOf("objective", List.of("sum-of-maxima", "max-of-sums")),
        r.numberIn("hop-memory-bytes", 0, 1e18),
        r.oneOf("memory-accounting", List.of("paper", "full")),
        r.intIn("optimizer-slots", 0, 8),
        r.bool("aggregate-hops"),
        nodes(r));
  }

  /** Whether the compute nodes are the priced {@link #nodes} list. */
  public boolean priced() {
    return !nodes.isEmpty();
  }

  /** The sum of the nodes' prices per hour, NaN without priced nodes. */
  public double pricePerHour() {
    return priced() ? nodes.stream().mapToDouble(PricedNodes.Node::pricePerHour).sum() : Double.NaN;
  }

  private static List<PricedNodes.Node> nodes(SettingsReader r) {
    List<PricedNodes.Node> out = new ArrayList<>();
    for (SettingsReader n : r.objects("nodes")) {
      n.onlyKeys(Set.of("type", "memory-bytes", "price-per-hour"));
      out.add(
          new PricedNodes.Node(
              n.nonEmpty("type"),
              n.numberIn("memory-bytes", 1, 1e18),
              n.numberIn("price-per-hour", 0, 1e9)));
    }
    if (out.size() > 8) {
      // mpsl tries every distinct order of the nodes as its chain
      throw r.error("nodes", "at most 8 nodes, got " + out.size());
    }
    return List.copyOf(out);
  }
}

package io.splitemu.actors.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import io.splitemu.actors.scheme.Schemes;
import io.splitemu.net.trace.CsvFormat;
import io.splitemu.net.trace.CsvOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A scenario's settings, read once from {@code reference.conf}, the scenario file and {@code --set}
 * overrides into immutable, validated records; a bad key or value fails with its file, line, key
 * and reason.
 */
public record Settings(
    String scenario,
    long seed,
    String scheme,
    int rounds,
    int localSteps,
    int batchSize,
    int evalEvery,
    double targetAccuracy,
    boolean stopAtTarget,
    Mode mode,
    double speedup,
    Fidelity fidelity,
    ModelSettings model,
    DataSettings data,
    DeviceSettings devices,
    double serverFlops,
    LinkSettings links,
    Duration barrierTimeout,
    Duration barrierDeadline,
    Path outputDir,
    boolean plots,
    List<Fault> faults,
    CpslSettings cpsl,
    Path scenarioFile,
    String resolved,
    Map<String, String> origins) {

  /**
   * A fault of the scenario's {@code faults} list (FORMATS.md "Faults and checkpoints"), checked
   * against the run's devices and rounds: its {@link #KINDS kind}, whom it hits, when it starts
   * and, optionally, when it ends; the parameters that do not apply to the kind are NaN, -1 or
   * null.
   *
   * @param devices the devices it hits, ascending (one for the device and link kinds, the set for
   *     {@code partition}; empty for the server, supervisor and hop kinds)
   * @param hop the MP-SL hop of {@code hop-crash}, else -1
   * @param end when it ends ({@code until} or {@code until-round}); null: at the run's end
   * @param factor {@code device-slowdown}'s factor (> 1) or {@code link-degradation}'s (in (0, 1])
   * @param direction the link kinds' {@code up}, {@code down} or {@code both}
   * @param probability {@code message-loss}'s probability that a message is lost, in [0, 1)
   * @param retransmitTimeoutNs {@code message-loss}'s wait before a lost message is sent again
   * @param restartDelayNs {@code server-crash}'s wait before the server restarts
   * @param origin where the fault was written, as messages and rows name it: {@code faults[i]} for
   *     the scenario's list, {@code availability FILE:LINE} for a row of the availability file
   */
  public record Fault(
      String kind,
      List<Integer> devices,
      int hop,
      FaultTime start,
      FaultTime end,
      double factor,
      String direction,
      double probability,
      long retransmitTimeoutNs,
      long restartDelayNs,
      String origin) {

    /** Every kind, in FORMATS.md's order. */
    public static final List<String> KINDS =
        List.of(
            "device-crash",
            "device-hang",
            "device-slowdown",
            "link-outage",
            "link-degradation",
            "message-loss",
            "partition",
            "server-crash",
            "hop-crash",
            "supervisor-crash");

    public Fault {
      devices = List.copyOf(devices);
    }

    /**
     * A fault of one device from {@code start} to the run's end, with no parameters, written at
     * {@code origin}.
     */
    public static Fault of(String kind, int device, FaultTime start, String origin) {
      return new Fault(
          kind, List.of(device), -1, start, null, Double.NaN, null, Double.NaN, -1, -1, origin);
    }

    /**
     * How a message names the fault: {@code splitemu.faults[i]} for an entry of the list, {@code
     * availability FILE:LINE} for a row of the availability file.
     */
    public String where() {
      return origin.startsWith("faults[") ? NS + "." + origin : origin;
    }

    /**
     * The fault without its origin: checkpoints' fingerprints hash this text
     * (Checkpoints.fingerprint), so where a fault was written (the list or an availability file's
     * line) moves no fingerprint.
     */
    @Override
    public String toString() {
      return "Fault[kind="
          + kind
          + ", devices="
          + devices
          + ", hop="
          + hop
          + ", start="
          + start
          + ", end="
          + end
          + ", factor="
          + factor
          + ", direction="
          + direction
          + ", probability="
          + probability
          + ", retransmitTimeoutNs="
          + retransmitTimeoutNs
          + ", restartDelayNs="
          + restartDelayNs
          + "]";
    }

    /** The device of a one-device kind (the first of {@link #devices}). */
    public int device() {
      return devices.get(0);
    }

    /**
     * The round at whose start (a device's own, on MP-SL) this window is decided empty or not: R of
     * {@code round = R, until = T} or of {@code at = T, until-round = R}; 0 for any other window.
     */
    public int mixedRound() {
      if (end == null || start.atRoundStart() == end.atRoundStart()) {
        return 0;
      }
      return start.atRoundStart() ? start.round() : end.round();
    }

    /**
     * Whether this window is empty if round {@link #mixedRound} starts at {@code roundStartNs}
     * (docs/faults.md "Recording"): {@code round = R, until = T} with T at or before it, {@code at
     * = T, until-round = R} with it at or before T; never for any other window.
     */
    public boolean emptyAt(long roundStartNs) {
      return mixedRound() > 0
          && (start.atRoundStart() ? end.atNs() <= roundStartNs : roundStartNs <= start.atNs());
    }
  }

  /**
   * When a fault takes effect: the start of round {@code round} ({@code round = R}), or the
   * emulated instant {@code atNs} since the run's start ({@code at = 120 s}); the other is -1.
   */
  public record FaultTime(int round, long atNs) {
    /** At the start of round {@code round}. */
    public static FaultTime ofRound(int round) {
      return new FaultTime(round, -1);
    }

    /** At the emulated instant {@code atNs}. */
    public static FaultTime at(long atNs) {
      return new FaultTime(-1, atNs);
    }

    /** Whether the fault starts with a round rather than at an instant. */
    public boolean atRoundStart() {
      return round > 0;
    }

    /**
     * Whether this time has been reached at the start of round {@code round} or at the emulated
     * instant {@code ns} (whichever of the two this time is written as): a round up to {@code
     * round}, an instant up to {@code ns}.
     */
    public boolean reachedBy(int round, long ns) {
      return atRoundStart() ? this.round <= round : atNs <= ns;
    }

    /** The round or instant, as the scenario writes it. */
    @Override
    public String toString() {
      return atRoundStart() ? "round = " + round : "at = " + atNs / 1e9 + " s";
    }
  }

  /** The namespace of every splitemu key. */
  public static final String NS = "splitemu";

  /** The most rounds a run can have ({@code rounds}), and so the latest round a fault can name. */
  static final int MAX_ROUNDS = 1_000_000;

  /**
   * The per-device number keys (ValueSource): a distribution object given for one replaces what is
   * beneath it (reference.conf's default, the scenario's value, an earlier --set) instead of
   * merging into it; {@code distance-m = {distribution = exponential, mean = 100}} merged with the
   * default uniform's min and max and was refused as if reference.conf had a bad key.
   */
  private static final List<String> VALUE_SOURCES =
      List.of(
          "splitemu.devices.flops",
          "splitemu.devices.round-factor",
          "splitemu.devices.memory-bytes",
          "splitemu.links.static.uplink-bps",
          "splitemu.links.static.downlink-bps",
          "splitemu.links.shannon.distance-m");

  /** Keys whose content is free-form here and checked by their own readers. */
  private static final List<String> OPEN_PATHS =
      Stream.concat(VALUE_SOURCES.stream(), Stream.of("splitemu.faults", "splitemu.serialization"))
          .toList();

  /** How emulated time is paced against wall clock. */
  public enum Mode {
    VIRTUAL,
    PACED
  }

  /** Whether tensors are real. */
  public enum Fidelity {
    FULL,
    TIMING
  }

  /** The model and its optimizer. */
  public record ModelSettings(
      String name,
      int cut,
      String optimizer,
      double learningRate,
      double momentum,
      String dataType,
      String cutGradient) {

    /**
     * {@code cut-gradient = batch-mean}: the devices' rows of the concatenated batch's gradient.
     */
    public boolean batchMeanCutGradient() {
      return cutGradient.equals("batch-mean");
    }
  }

  /** The dataset and how it is shared out. */
  public record DataSettings(
      String dataset,
      Path dir,
      int trainSamples,
      int testSamples,
      int evalSamples,
      String partition,
      double dirichletAlpha,
      int shardsPerDevice,
      double quantitySigma) {}

  /** The devices' compute and memory. */
  public record DeviceSettings(
      int count, ValueSource flops, ValueSource roundFactor, ValueSource memoryBytes) {}

  /** The links of every device. */
  public record LinkSettings(
      String kind,
      Duration propagationDelay,
      ValueSource staticUplinkBps,
      ValueSource staticDownlinkBps,
      double bandwidthHz,
      double devicePowerDbm,
      double apPowerDbm,
      double noiseDbmPerHz,
      ValueSource distanceM,
      String fading,
      List<Path> traceUplink,
      List<Path> traceDownlink,
      String traceFormat,
      String traceEnd,
      String traceAssign,
      CsvOptions traceCsv,
      TraceFiles traces) {}

  /**
   * {@code data.dirichlet-alpha}: above 1e6 every device's label mix is the data set's to six
   * digits (use {@code partition = iid}); far above it the gamma draws overflow to the opposite,
   * one device a class.
   */
  private static double dirichletAlpha(SettingsReader d) {
    double a = d.positive("dirichlet-alpha");
    if (a > 1e6) {
      throw d.error(
          "dirichlet-alpha", "must be at most 1e6 (partition = iid is the limit), got " + a);
    }
    return a;
  }

  /** A csv trace's columns ({@code links.trace.csv}), each refusal naming its key. */
  private static CsvOptions csvOptions(SettingsReader c) {
    for (String key : List.of("time", "rate", "delimiter")) {
      if (c.string(key).isEmpty()) {
        throw c.error(key, "must not be empty");
      }
    }
    CsvOptions o =
        new CsvOptions(
            c.string("time"),
            c.string("time-format"),
            c.string("rate"),
            c.oneOf("unit", List.of("bps", "kbps", "Mbps")),
            c.string("missing"),
            c.string("delimiter"));
    try {
      new CsvFormat(o); // the reader's own check of the time format
    } catch (IllegalArgumentException e) {
      throw c.error("time-format", e.getMessage());
    }
    return o;
  }

  /** Loads a scenario file with {@code --set key=value} overrides. */
  public static Settings load(Path scenarioFile, List<String> overrides) {
    return load(scenarioFile, overrides, List.of());
  }

  /**
   * Loads a scenario file with {@code --set key=value} overrides; {@code alsoReading}: other text
   * that will be read with it (compare's {@code --sweep} options), whose {@code ${...}}
   * substitutions may read top-level keys of the scenario ({@link UnknownKeys#checkTopLevel}).
   */
  public static Settings load(Path scenarioFile, List<String> overrides, List<String> alsoReading) {
    if (!Files.isRegularFile(scenarioFile)) {
      throw new SettingsException(
          Files.isDirectory(scenarioFile)
              ? scenarioFile + " is a folder, not a scenario file"
              : Files.exists(scenarioFile)
                  ? scenarioFile + " is not a regular file, so not a scenario file"
                  : "scenario file not found: " + scenarioFile);
    }
    Config file;
    try {
      // A bare name ("run x.conf" in the scenario's folder) has no parent, and the library then
      // looked for the scenario's includes on the class path: include "base.conf" beside it was
      // "no such file". Given as ./x.conf, they are looked for beside it.
      Path parsed =
          scenarioFile.getParent() == null && !scenarioFile.isAbsolute()
              ? Path.of(".").resolve(scenarioFile)
              : scenarioFile;
      // Every include must find its file, a plain one as required(...) (StrictIncluder): HOCON
      // skips a plain include whose file is missing, and a misspelt one ran on the defaults.
      file =
          ConfigFactory.parseFile(
              parsed.toFile(),
              ConfigParseOptions.defaults()
                  .setAllowMissing(false)
                  .setIncluder(new StrictIncluder(parsed)));
    } catch (ConfigException e) {
      throw new SettingsException(oneLine(e.getMessage()));
    }
    if (file.root().isEmpty() && overrides.isEmpty() && alsoReading.isEmpty()) {
      // A zero-byte file left by a failed copy would otherwise run every default as if it were
      // the user's scenario.
      throw new SettingsException(
          scenarioFile
              + ": the scenario sets nothing (an empty file, or only comments), so the run would"
              + " be every default; set what the run is in it (splitemu { scheme = ... }) or with"
              + " --set");
    }
    // The scenario's own substitutions (its includes' too) and the --set options' are found by
    // resolving it (UnknownKeys.readThrough); the --sweep options are not part of it.
    return from(file, overrides, scenarioFile, UnknownKeys.substitutionRoots(alsoReading));
  }

  /** Settings from an already parsed scenario (tests, embedded defaults). */
  public static Settings from(Config scenario, List<String> overrides, Path scenarioFile) {
    return from(scenario, overrides, scenarioFile, java.util.Set.of());
  }

  /**
   * {@code swept}: the top-level keys compare's {@code --sweep} options read through substitutions.
   */
  private static Settings from(
      Config scenario, List<String> overrides, Path scenarioFile, java.util.Set<String> swept) {
    Config over = ConfigFactory.empty();
    for (String o : overrides) {
      Config one = parseOverride(o);
      over = one.withFallback(replaced(over, one));
    }
    Config user = over.withFallback(replaced(scenario, over));
    Config reference = replaced(reference(), user);
    try {
      // Substitutions the scenario can resolve on its own are resolved first: an override that
      // merges into an object (--set 'mpsl=${x}' beside --set mpsl.nodes=...) is otherwise a
      // delayed merge whose keys cannot be listed.
      Config checked;
      try {
        checked = user.resolve(ConfigResolveOptions.defaults().setAllowUnresolved(true));
      } catch (ConfigException e) {
        checked = user;
      }
      Config unresolved = user.withFallback(reference);
      UnknownKeys.check(
          checked,
          reference,
          NS,
          OPEN_PATHS,
          key ->
              swept.contains(key)
                  || UnknownKeys.readThrough(unresolved, reference.root().keySet(), key));
    } catch (ConfigException e) {
      throw new SettingsException(oneLine(e.getMessage()));
    }
    Config all;
    try {
      all = user.withFallback(reference).resolve(ConfigResolveOptions.defaults());
    } catch (ConfigException e) {
      throw new SettingsException(oneLine(e.getMessage()));
    }
    try {
      return read(all, scenarioFile);
    } catch (ConfigException e) {
      // a value the typed readers did not anticipate (such as a null inside an object): the
      // library's message already names the file, line and key
      throw new SettingsException(oneLine(e.getMessage()));
    }
  }

  /**
   * Every {@code reference.conf} on the class path, without JVM system properties: a scenario is
   * defined by its files and {@code --set} alone (and {@code -Dsplitemu.data}, the test data folder
   * of the build, must not shadow the {@code splitemu.data} block).
   */
  public static Config reference() {
    return Reference.CONFIG;
  }

  /** The class path's reference files, parsed once: they cannot change while the JVM runs. */
  private static final class Reference {
    static final Config CONFIG =
        ConfigFactory.parseResourcesAnySyntax(Settings.class.getClassLoader(), "reference")
            .resolve();
  }

  static Config parseOverride(String o) {
    int eq = o.indexOf('=');
    if (eq <= 0) {
      throw new SettingsException("--set " + oneLine(o) + ": expected key=value");
    }
    String key = o.substring(0, eq).trim();
    String value = o.substring(eq + 1).trim();
    if (!key.startsWith(NS + ".")) {
      key = NS + "." + key;
    }
    Config c;
    List<String> parts;
    try {
      c =
          ConfigFactory.parseString(
              key + " = " + value,
              ConfigParseOptions.defaults().setOriginDescription("--set " + o));
      parts = com.typesafe.config.ConfigUtil.splitPath(key);
    } catch (ConfigException e) {
      // The library's message starts with the origin description, "--set KEY=VALUE: 1: ...",
      // where it has a line: the option is then named once.
      String lead = "--set " + oneLine(o);
      String m = oneLine(e.getMessage());
      throw new SettingsException(m.startsWith(lead + ":") ? m : lead + ": " + m);
    }
    // One --set sets one key: "rounds=1, scheme=sl" (or a newline between them) is a document of
    // two, whose second was taken silently.
    com.typesafe.config.ConfigValue at = c.root();
    for (String part : parts) {
      if (!(at instanceof com.typesafe.config.ConfigObject obj)) {
        break;
      }
      if (obj.size() != 1 || !obj.containsKey(part)) {
        TreeSet<String> others = new TreeSet<>(obj.keySet());
        others.remove(part);
        throw new SettingsException(
            "--set "
                + oneLine(o)
                + ": sets more than one key (also "
                + String.join(", ", others)
                + "); give each key its own --set");
      }
      at = obj.get(part);
    }
    return c;
  }

  /**
   * {@code under} without each {@link #VALUE_SOURCES} key that {@code over} gives as a whole
   * distribution object (one with a {@code distribution} key); an object without it (such as {@code
   * --set devices.flops.max=4e9}) still edits the one beneath.
   */
  private static Config replaced(Config under, Config over) {
    Config out = under;
    for (String path : VALUE_SOURCES) {
      com.typesafe.config.ConfigValue v = over.root();
      for (String part : com.typesafe.config.ConfigUtil.splitPath(path)) {
        v = v instanceof com.typesafe.config.ConfigObject obj ? obj.get(part) : null;
      }
      if (v instanceof com.typesafe.config.ConfigObject obj && obj.containsKey("distribution")) {
        try {
          out = out.withoutPath(path);
        } catch (ConfigException e) {
          // beneath it an unresolved substitution: merged as before
        }
      }
    }
    return out;
  }

  private static Settings read(Config all, Path scenarioFile) {
    SettingsReader r = new SettingsReader(all, NS);
    Path base =
        scenarioFile == null || scenarioFile.toAbsolutePath().getParent() == null
            ? Path.of("")
            : scenarioFile.toAbsolutePath().getParent();

    String scenario = r.nonEmpty("scenario");
    if (!scenario.matches("[A-Za-z0-9._-]+")) {
      throw r.error("scenario", "use letters, digits, '.', '_' or '-' only (it names a folder)");
    }
    String scheme = r.oneOf("scheme", Schemes.names());
    Mode mode = Mode.valueOf(r.oneOf("mode", List.of("virtual", "paced")).toUpperCase());
    Fidelity fidelity =
        Fidelity.valueOf(r.oneOf("fidelity", List.of("full", "timing")).toUpperCase());

    SettingsReader m = r.at("model");
    ModelSettings model =
        new ModelSettings(
            m.nonEmpty("name"),
            m.intIn("cut", 0, 10_000),
            m.oneOf("optimizer", List.of("sgd-momentum", "adam")),
            m.positive("learning-rate"),
            m.numberIn("momentum", 0, 1),
            m.oneOf("data-type", List.of("float", "double")),
            m.oneOf("cut-gradient", List.of("device-mean", "batch-mean")));

    SettingsReader d = r.at("data");
    String dataset = d.oneOf("dataset", List.of("synthetic", "mnist"));
    Path dir = Path.of(d.string("dir"));
    if (dataset.equals("mnist")) {
      if (d.string("dir").isBlank()) {
        throw d.error("dir", "required for dataset = mnist (the folder of the IDX files)");
      }
      if (!Files.isDirectory(dir)) {
        throw d.error(
            "dir",
            Files.exists(dir)
                ? dir.toAbsolutePath() + " is not a folder"
                : "folder "
                    + dir.toAbsolutePath()
                    + " does not exist"
                    + fromWorkingDirectory("data.dir", d.string("dir")));
      }
    }
    // A full run renders every sample of the synthetic set into one array of 28 x 28 bytes per
    // image, which must stay under 2^31 bytes (2,739,137 images), so full fidelity takes at most
    // 2,000,000 training and 2,000,000 test samples. A timing run builds only the labels and the
    // partition (its devices' shard indices, a few ints a sample), so 10^6 devices can keep 20
    // samples each.
    int fullSamples = 2_000_000;
    int trainSamples = d.intIn("train-samples", 10, 100_000_000);
    if (fidelity == Fidelity.FULL && trainSamples > fullSamples) {
      throw d.error(
          "train-samples",
          "must be at most "
              + fullSamples
              + " in full fidelity (fidelity = timing takes up to 100000000), got "
              + trainSamples);
    }
    int testSamples = d.intIn("test-samples", 10, 10_000_000);
    if (fidelity == Fidelity.FULL && testSamples > fullSamples) {
      throw d.error(
          "test-samples",
          "must be at most " + fullSamples + " in full fidelity, got " + testSamples);
    }
    DataSettings data =
        new DataSettings(
            dataset,
            dir,
            trainSamples,
            testSamples,
            d.intIn("eval-samples", 0, 10_000_000),
            d.oneOf("partition", List.of("iid", "dirichlet", "shards", "quantity")),
            dirichletAlpha(d),
            d.intIn("shards-per-device", 1, 1000),
            d.numberIn("quantity-sigma", 0, 10));

    SettingsReader dv = r.at("devices");
    DeviceSettings devices =
        new DeviceSettings(
            dv.intIn("count", 1, 1_000_000),
            dv.valueSource("flops", 1, 1e18),
            dv.valueSource("round-factor", 1e-6, 1e6),
            dv.valueSource("memory-bytes", 0, 1e15));
    // A round's rate is flops x round-factor: at least 1 FLOP/s, as flops alone (1 FLOP/s at
    // 1e-6 ran a round's work past the emulated clock's 292 years and failed mid-run).
    // A normal, log-normal or exponential source without a `min` of its own reaches down to the
    // key's floor only in its far tail (a log-normal flops of median 2 GFLOP/s would be refused
    // at 1 x 0.6 otherwise); such a draw is left to the run, which ends in one line should a
    // round's work pass the clock.
    double slowest = devices.flops().lowest() * devices.roundFactor().lowest();
    if (slowest < 1
        && !openFloor(devices.flops(), dv, "flops")
        && !openFloor(devices.roundFactor(), dv, "round-factor")) {
      throw dv.error(
          "round-factor",
          "devices.flops x devices.round-factor must be at least 1 FLOP/s, got "
              + devices.flops().lowest()
              + " x "
              + devices.roundFactor().lowest()
              + " = "
              + slowest
              + " FLOP/s at the lowest");
    }

    SettingsReader l = r.at("links");
    SettingsReader st = l.at("static");
    SettingsReader sh = l.at("shannon");
    SettingsReader tr = l.at("trace");
    List<String> upNames = tr.strings("uplink");
    List<String> downNames = tr.strings("downlink");
    List<Path> up = paths(base, upNames);
    List<Path> down = paths(base, downNames);
    List<String> upWhere = tr.whereEach("uplink");
    String folder = tr.string("folder");
    String kind = l.oneOf("kind", List.of("static", "shannon", "trace"));
    if (kind.equals("trace")) {
      if (!folder.isBlank()) {
        Path f = base.resolve(folder);
        if (!Files.isDirectory(f)) {
          throw tr.error(
              "folder",
              "folder "
                  + f
                  + (Files.exists(f) ? " is not a folder" : " does not exist")
                  + fromScenarioFolder("links.trace.folder", folder, base));
        }
        up = listFiles(f);
        upWhere = java.util.Collections.nCopies(up.size(), tr.where("folder"));
        if (up.isEmpty()) {
          throw tr.error("folder", "folder " + f + " holds no files");
        }
      }
      if (up.isEmpty()) {
        throw tr.error("uplink", "kind = trace needs uplink trace files or a folder");
      }
      // (the files of a folder are there: only a listed name can be missing)
      for (int i = 0; i < up.size(); i++) {
        Path p = up.get(i);
        if (!Files.isRegularFile(p)) {
          throw tr.error(
              "uplink",
              "trace file "
                  + p
                  + notAFile(p)
                  + (Files.exists(p) || !folder.isBlank()
                      ? ""
                      : fromScenarioFolder("links.trace.uplink", upNames.get(i), base)));
        }
      }
      for (int i = 0; i < down.size(); i++) {
        Path p = down.get(i);
        if (!Files.isRegularFile(p)) {
          throw tr.error(
              "downlink",
              "trace file "
                  + p
                  + notAFile(p)
                  + (Files.exists(p)
                      ? ""
                      : fromScenarioFolder("links.trace.downlink", downNames.get(i), base)));
        }
      }
    }
    // Each file with the key that names it (the uplinks first), for the refusal of a bad trace.
    Map<Path, String> traceWhere = new java.util.LinkedHashMap<>();
    for (int i = 0; i < up.size(); i++) {
      traceWhere.putIfAbsent(up.get(i), upWhere.get(i));
    }
    List<String> downWhere = tr.whereEach("downlink");
    for (int i = 0; i < down.size(); i++) {
      traceWhere.putIfAbsent(down.get(i), downWhere.get(i));
    }
    String traceFormat = tr.oneOf("format", List.of("mahimahi", "pensieve", "norway-raw", "csv"));
    String traceEnd = tr.oneOf("end", List.of("loop", "hold-last", "stop"));
    if (kind.equals("trace") && traceFormat.equals("mahimahi") && traceEnd.equals("hold-last")) {
      // Delivery opportunities have no last rate to hold (PacketLink refused it mid-run).
      throw tr.error("end", "a mahimahi trace can loop or stop, not hold-last");
    }
    Duration propagation = l.duration("propagation-delay");
    if (propagation.isNegative()) {
      throw l.error(
          "propagation-delay",
          "must be >= 0 (added to every transfer), got " + propagation.toNanos() / 1e9 + " s");
    }
    CsvOptions traceCsv = csvOptions(tr.at("csv"));
    LinkSettings links =
        new LinkSettings(
            kind,
            propagation,
            st.valueSource("uplink-bps", 1, 1e15),
            st.valueSource("downlink-bps", 1, 1e15),
            sh.numberIn("bandwidth-hz", 1, 1e12),
            sh.numberIn("device-power-dbm", -100, 100),
            sh.numberIn("ap-power-dbm", -100, 100),
            sh.numberIn("noise-dbm-per-hz", -300, 0),
            sh.valueSource("distance-m", 1e-3, 1e7),
            sh.oneOf("fading", List.of("rayleigh", "none")),
            up,
            down.isEmpty() ? up : down,
            traceFormat,
            traceEnd,
            tr.oneOf("assign", List.of("round-robin", "shuffled")),
            traceCsv,
            new TraceFiles(traceWhere, traceFormat, traceCsv));

    SettingsReader b = r.at("barrier");
    Duration timeout = b.duration("timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw b.error("timeout", "must be > 0");
    }
    Duration deadline = b.duration("deadline");
    if (deadline.isNegative() || deadline.isZero()) {
      throw b.error("deadline", "must be > 0");
    }
    SettingsReader o = r.at("output");
    int deviceCount = devices.count();
    List<Fault> faults = new ArrayList<>();
    int rounds = r.intIn("rounds", 1, MAX_ROUNDS);
    // Where each key of the list's faults was written, for the refusals made at start.
    Map<String, String> faultOrigins = new java.util.LinkedHashMap<>();
    for (SettingsReader f : r.objects("faults")) {
      String origin = "faults[" + faults.size() + "]";
      for (String key : List.of("kind", "hop", "round", "at", "until", "until-round")) {
        faultOrigins.put(origin + "." + key, f.where(key));
      }
      faults.add(fault(f, deviceCount, origin));
    }
    String availability = r.string("availability");
    if (!availability.isBlank()) {
      Path file = base.resolve(availability).normalize();
      if (!Files.isRegularFile(file)) {
        throw r.error(
            "availability",
            "file "
                + file
                + notAFile(file)
                + (Files.exists(file)
                    ? ""
                    : fromScenarioFolder("availability", availability, base)));
      }
      // Each offline interval is a device-crash that rejoins at its end (docs/faults.md).
      faults.addAll(Availability.read(file, deviceCount));
    }

    r.at("checkpoint").intIn("every", 0, 1_000_000); // read back by checkpointEvery()
    // The blocks read again later from resolved() (which keeps no files and lines) are checked
    // here, so that a bad value is refused at its file and line, by plan too.
    SurvivalSettings.read(r.at("survival"));
    ClusterRunSettings.read(r.at("cluster-run"));
    if (MpslSettings.isPipeline(scheme)) {
      MpslSettings.read(r.at("mpsl"), base);
    }
    String resolved =
        all.getConfig(NS)
            .atKey(NS)
            .root()
            .render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
    // Where the keys read only later (from resolved(), which keeps no origins) were given.
    Map<String, String> origins = new java.util.LinkedHashMap<>();
    for (String key : LATE_KEYS) {
      String path = NS + "." + key;
      // A default of reference.conf (a class-path resource) has no line of the user's to name;
      // the later keys are named at a file's line only (given by --set, by the key as before).
      if (all.hasPath(path)
          && all.getValue(path).origin().resource() == null
          && (!FILE_ONLY_KEYS.contains(key) || all.getValue(path).origin().filename() != null)) {
        origins.put(key, r.where(key));
      }
    }
    origins.putAll(faultOrigins);
    return new Settings(
        scenario,
        r.integerIn("seed", Long.MIN_VALUE, Long.MAX_VALUE),
        scheme,
        r.intIn("rounds", 1, MAX_ROUNDS),
        r.intIn("local-steps", 0, 1_000_000),
        r.intIn("batch-size", 1, 1_000_000),
        r.intIn("eval-every", 1, 1_000_000),
        r.numberIn("target-accuracy", 0, 1),
        r.bool("stop-at-target"),
        mode,
        r.positive("speedup"),
        fidelity,
        model,
        data,
        devices,
        r.at("server").numberIn("flops", 1, 1e18),
        links,
        timeout,
        deadline,
        Path.of(o.nonEmpty("dir")),
        o.bool("plots"),
        List.copyOf(faults),
        CpslSettings.read(r.at("cpsl")),
        scenarioFile,
        resolved,
        Map.copyOf(origins));
  }

  /**
   * The {@link #LATE_KEYS} whose {@link #where} is a scenario file's line only: the refusals that
   * name them are matched by compare and plan (and their tests) without an option's origin.
   */
  private static final List<String> FILE_ONLY_KEYS =
      List.of(
          "local-steps",
          "fidelity",
          "links.kind",
          "data.dir",
          "mpsl.head-units",
          "mpsl.nodes",
          "mpsl.hop-memory-bytes",
          "mpsl.profile-dir");

  /**
   * The keys whose {@link #where} is kept: those a scheme reads from {@link #resolved()} or names
   * when it refuses a scenario at start.
   */
  private static final List<String> LATE_KEYS =
      Stream.concat(
              Stream.of(
                  "dag.profile",
                  "model.name",
                  "model.cut",
                  "model.data-type",
                  "devices.count",
                  "devices.memory-bytes"),
              FILE_ONLY_KEYS.stream())
          .toList();

  /**
   * How a refusal of {@code key} (below {@code splitemu}, such as {@code "dag.profile"}) starts:
   * the scenario's file and line where it was given (when known) and its full key, {@code
   * "dag-split.conf:28: splitemu.dag.profile"}; the full key alone for a key not kept.
   */
  public String where(String key) {
    String w = origins == null ? null : origins.get(key);
    return w != null ? w : NS + "." + key;
  }

  /**
   * How a refusal of {@code key} of fault {@code f} starts: the file and line where the scenario's
   * list gave it (the entry's when the key is not written) and its full key, {@code "s.conf:63:
   * splitemu.faults[0].kind"}; {@code f}'s {@link Fault#where} and the key for a fault of an
   * availability file.
   */
  public String where(Fault f, String key) {
    String w = origins == null ? null : origins.get(f.origin() + "." + key);
    return w != null ? w : f.where() + "." + key;
  }

  /** {@code checkpoint.every}: a checkpoint after every K-th round (0: none), checked at load. */
  public int checkpointEvery() {
    Config c = ConfigFactory.parseString(resolved);
    return c.hasPath(NS + ".checkpoint.every") ? c.getInt(NS + ".checkpoint.every") : 0;
  }

  /** The {@code splitemu.mpsl} block, read and checked (pipeline schemes only read it). */
  public MpslSettings mpsl() {
    return MpslSettings.of(this);
  }

  /** A copy with another scheme (for compare). */
  public Settings withScheme(String other) {
    Schemes.of(other); // an unknown name fails listing the registered ones
    // The key's line, not the first "scheme = " of the text: reference.conf's comments hold some
    // ("(scheme = cpsl)"), and replacing one of those left the run's scenario.conf naming the
    // scenario's scheme, and its checkpoints a fingerprint no --set scheme=... resume matched.
    return copy(
        other,
        fidelity,
        resolved.replaceFirst(
            "(?m)^(\\s*scheme\\s*=\\s*)[^\\n]*",
            "$1" + java.util.regex.Matcher.quoteReplacement(other)));
  }

  /**
   * A copy in fidelity {@code other} (what {@code plan} plans in once the scenario as given is
   * checked).
   */
  public Settings withFidelity(Fidelity other) {
    return copy(
        scheme,
        other,
        resolved.replaceFirst(
            "(?m)^(\\s*)fidelity\\s*=\\s*[^\\n]*",
            "$1fidelity = " + other.name().toLowerCase(java.util.Locale.ROOT)));
  }

  // This record with the scheme, fidelity and resolved text given, the rest kept.
  private Settings copy(String scheme, Fidelity fidelity, String resolved) {
    return new Settings(
        scenario,
        seed,
        scheme,
        rounds,
        localSteps,
        batchSize,
        evalEvery,
        targetAccuracy,
        stopAtTarget,
        mode,
        speedup,
        fidelity,
        model,
        data,
        devices,
        serverFlops,
        links,
        barrierTimeout,
        barrierDeadline,
        outputDir,
        plots,
        faults,
        cpsl,
        scenarioFile,
        resolved,
        origins);
  }

  private static List<Path> paths(Path base, List<String> names) {
    List<Path> out = new ArrayList<>();
    for (String n : names) {
      out.add(base.resolve(n).normalize());
    }
    return out;
  }

  private static List<Path> listFiles(Path folder) {
    try (var s = Files.list(folder)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    } catch (java.io.IOException e) {
      throw new SettingsException("cannot list " + folder + ": " + e.getMessage());
    }
  }

  private static String oneLine(String s) {
    return s == null ? "bad configuration" : s.replace('\n', ' ');
  }

  // The keys a fault entry may have, beside kind and its start and end.
  private static final Map<String, Set<String>> FAULT_KEYS =
      Map.of(
          "device-crash", Set.of("device", "devices"),
          "device-hang", Set.of("device", "devices"),
          "device-slowdown", Set.of("device", "devices", "factor"),
          "link-outage", Set.of("device", "devices", "direction"),
          "link-degradation", Set.of("device", "devices", "factor", "direction"),
          "message-loss",
              Set.of("device", "devices", "probability", "retransmit-timeout", "direction"),
          "partition", Set.of("device", "devices"),
          "server-crash", Set.of("restart-delay"),
          "hop-crash", Set.of("hop"),
          "supervisor-crash", Set.of());

  /**
   * The largest {@code device-slowdown} factor and the smallest {@code link-degradation} factor: a
   * million times slower is far beyond any real fault (1e300 ran the work past the emulated clock's
   * range and failed mid-run with {@code Overflow}).
   */
  static final double MAX_SLOWDOWN = 1e6;

  static final double MIN_DEGRADATION = 1e-9;

  /** One entry of the {@code faults} list, checked against the run's devices and rounds. */
  private static Fault fault(SettingsReader f, int deviceCount, String origin) {
    f.onlyKeys(
        Set.of(
            "kind",
            "device",
            "devices",
            "hop",
            "round",
            "at",
            "until",
            "until-round",
            "factor",
            "direction",
            "probability",
            "retransmit-timeout",
            "restart-delay"));
    String kind = f.oneOf("kind", Fault.KINDS);
    Set<String> own = FAULT_KEYS.get(kind);
    for (String k :
        List.of(
            "device",
            "devices",
            "hop",
            "factor",
            "direction",
            "probability",
            "retransmit-timeout",
            "restart-delay")) {
      if (f.has(k) && !own.contains(k)) {
        throw f.error(k, "not a parameter of " + kind);
      }
    }
    List<Integer> devices = new ArrayList<>();
    if (own.contains("device")) {
      if (f.has("device") == f.has("devices")) {
        throw f.error("device", "give exactly one of device = N or devices = [N, ...]");
      }
      if (f.has("device")) {
        devices.add(f.intIn("device", 0, deviceCount - 1));
      } else {
        List<Double> listed = f.numbers("devices");
        if (listed.isEmpty()) {
          throw f.error("devices", "must name at least one device");
        }
        TreeSet<Integer> set = new TreeSet<>();
        for (double d : listed) {
          if (d != Math.rint(d) || d < 0 || d > deviceCount - 1) {
            throw f.error(
                "devices", "each must be a device id in [0, " + (deviceCount - 1) + "], got " + d);
          }
          if (!set.add((int) d)) {
            throw f.error("devices", "device " + (int) d + " is listed twice");
          }
        }
        devices.addAll(set);
      }
    }
    int hop = -1;
    if (kind.equals("hop-crash")) {
      if (!f.has("hop")) {
        throw f.error("hop", "hop-crash needs hop = H (0 is the hop next to the devices)");
      }
      hop = f.intIn("hop", 0, 63);
    }
    if (f.has("round") == f.has("at")) {
      throw f.error("round", "give exactly one of round = R (a round's start) or at = T s");
    }
    // A round after the run's last is accepted, as an instant after its end is: it never comes
    // (no row), so a fault scenario can be shortened with --set rounds=N or swept over rounds.
    FaultTime start = faultTime(f, "round", "at", MAX_ROUNDS);
    FaultTime end = null;
    if (f.has("until") && f.has("until-round")) {
      throw f.error("until", "give at most one of until = T s or until-round = R");
    }
    if (f.has("until") || f.has("until-round")) {
      end = faultTime(f, "until-round", "until", MAX_ROUNDS + 1);
      boolean both = start.atRoundStart() == end.atRoundStart();
      if (both
          && (start.atRoundStart() ? end.round() <= start.round() : end.atNs() <= start.atNs())) {
        throw f.error(
            end.atRoundStart() ? "until-round" : "until", "must be later than the fault's start");
      }
    }
    double factor = Double.NaN;
    if (kind.equals("device-slowdown")) {
      factor = f.number("factor");
      if (!(factor > 1 && factor <= MAX_SLOWDOWN)) {
        throw f.error(
            "factor",
            "must be > 1 and at most 1e6 (compute takes factor times longer), got " + factor);
      }
    } else if (kind.equals("link-degradation")) {
      factor = f.number("factor");
      if (!(factor >= MIN_DEGRADATION && factor <= 1)) {
        throw f.error(
            "factor", "must be in [1e-9, 1] (the link's rate is multiplied by it), got " + factor);
      }
    }
    String direction = null;
    if (own.contains("direction")) {
      direction = f.has("direction") ? f.oneOf("direction", List.of("up", "down", "both")) : "both";
    }
    double probability = Double.NaN;
    long retransmit = -1;
    if (kind.equals("message-loss")) {
      probability = f.number("probability");
      if (!(probability >= 0 && probability < 1)) {
        throw f.error("probability", "must be in [0, 1), got " + probability);
      }
      Duration t = f.duration("retransmit-timeout");
      if (t.isNegative() || t.isZero()) {
        throw f.error("retransmit-timeout", "must be > 0");
      }
      retransmit = t.toNanos();
    }
    long restart = -1;
    if (kind.equals("server-crash")) {
      Duration d = f.has("restart-delay") ? f.duration("restart-delay") : Duration.ZERO;
      if (d.isNegative()) {
        throw f.error("restart-delay", "must be >= 0");
      }
      restart = d.toNanos();
    }
    return new Fault(
        kind,
        devices,
        hop,
        start,
        end,
        factor,
        direction,
        probability,
        retransmit,
        restart,
        origin);
  }

  /** A fault's start or end: round {@code roundKey} or instant {@code atKey}, whichever is set. */
  private static FaultTime faultTime(
      SettingsReader f, String roundKey, String atKey, int lastRound) {
    if (f.has(roundKey)) {
      return FaultTime.ofRound(f.intIn(roundKey, 1, lastRound));
    }
    Duration at = f.duration(atKey);
    if (at.isNegative()) { // too late for the clock is refused by the reader already
      throw f.error(atKey, "must be >= 0 (emulated time since the run's start)");
    }
    return FaultTime.at(at.toNanos());
  }

  /**
   * Whether {@code source}, read from {@code key} of {@code r}, is an open-tailed distribution
   * (normal, log-normal, exponential) whose lowest value is only the key's floor, with no {@code
   * min} written for it.
   */
  private static boolean openFloor(ValueSource source, SettingsReader r, String key) {
    return source instanceof ValueSource.Clamped && !r.has(key + ".min");
  }

  /**
   * How the refusal of a path key's file or folder that does not exist ends, saying from where its
   * relative path was taken: {@code " (a relative data.dir is taken from the working directory,
   * /w)"}; "" for an absolute {@code given}, which no base changes. {@code data.dir}, {@code
   * dag.profile} and a {@code model.name} file are taken from the working directory.
   */
  public static String fromWorkingDirectory(String key, String given) {
    return relativeNote(key, given, "the working directory", Path.of("").toAbsolutePath());
  }

  /**
   * As {@link #fromWorkingDirectory}, for the keys taken from the scenario file's folder {@code
   * base}: trace files and folders, {@code availability}, {@code mpsl.profile-dir}.
   */
  public static String fromScenarioFolder(String key, String given, Path base) {
    return relativeNote(key, given, "the scenario's folder", base.toAbsolutePath());
  }

  private static String relativeNote(String key, String given, String baseName, Path base) {
    boolean absolute;
    try {
      absolute = Path.of(given).isAbsolute();
    } catch (java.nio.file.InvalidPathException e) {
      absolute = false;
    }
    return absolute
        ? ""
        : " (a relative " + key + " is taken from " + baseName + ", " + base.normalize() + ")";
  }

  /**
   * Why {@code p}, which is not a regular file, cannot be read as one: {@code " does not exist"},
   * {@code " is a directory, not a file"} or {@code " is not a regular file"} (a FIFO, a device),
   * as the profile and MNIST readers say it.
   */
  public static String notAFile(Path p) {
    if (Files.isDirectory(p)) {
      return " is a directory, not a file";
    }
    return Files.exists(p) ? " is not a regular file" : " does not exist";
  }
}

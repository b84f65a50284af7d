package io.splitemu.actors.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import io.splitemu.actors.scheme.Schemes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    String resolved) {

  /**
   * A fault at an emulated point of the run (FORMATS.md "Faults and checkpoints"). {@code
   * device-hang}: from {@code start} on the device stops answering. The kinds still to come add an
   * end ({@code until}, a second {@link FaultTime}), other targets and their parameters beside
   * these.
   */
  public record Fault(String kind, int device, FaultTime start) {}

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

    /** The round or instant, as the scenario writes it. */
    @Override
    public String toString() {
      return atRoundStart() ? "round = " + round : "at = " + atNs / 1e9 + " s";
    }
  }

  /** The namespace of every splitemu key. */
  public static final String NS = "splitemu";

  // Keys whose content is free-form here and checked by their own readers.
  private static final List<String> OPEN_PATHS =
      List.of(
          "splitemu.devices.flops",
          "splitemu.devices.round-factor",
          "splitemu.devices.memory-bytes",
          "splitemu.links.static.uplink-bps",
          "splitemu.links.static.downlink-bps",
          "splitemu.links.shannon.distance-m",
          "splitemu.faults",
          "splitemu.serialization");

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
      String traceAssign) {}

  /** Loads a scenario file with {@code --set key=value} overrides. */
  public static Settings load(Path scenarioFile, List<String> overrides) {
    if (!Files.isRegularFile(scenarioFile)) {
      throw new SettingsException("scenario file not found: " + scenarioFile);
    }
    Config file;
    try {
      file =
          ConfigFactory.parseFile(
              scenarioFile.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (ConfigException.IO e) {
      throw new SettingsException(missingInclude(scenarioFile, e));
    } catch (ConfigException e) {
      throw new SettingsException(oneLine(e.getMessage()));
    }
    return from(file, overrides, scenarioFile);
  }

  private static final Pattern NOT_FOUND =
      Pattern.compile(
          "(?:include was not found: '([^']*)'|resource not found on classpath: (\\S+))");

  /**
   * The config library reports a missing required include as an I/O error without the including
   * line (and, for a plain name, as a class-path lookup); this names the scenario file, the line of
   * the include when it is in that file, and where the file was looked for.
   */
  static String missingInclude(Path scenarioFile, ConfigException.IO e) {
    Matcher m = NOT_FOUND.matcher(String.valueOf(e.getMessage()));
    if (!m.find()) {
      return oneLine(e.getMessage());
    }
    String name = m.group(1) != null ? m.group(1) : m.group(2);
    Path parent = scenarioFile.toAbsolutePath().getParent();
    Path looked = parent == null ? Path.of(name) : parent.resolve(name).normalize();
    String where = scenarioFile.toString();
    try {
      List<String> lines = Files.readAllLines(scenarioFile);
      for (int i = 0; i < lines.size(); i++) {
        String l = lines.get(i);
        if (l.contains("include") && l.contains("\"" + name + "\"")) {
          where += ":" + (i + 1);
          break;
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // the line number is a courtesy; the message below stands without it
    }
    return oneLine(where + ": include \"" + name + "\": no such file (looked for " + looked + ")");
  }

  /** Settings from an already parsed scenario (tests, embedded defaults). */
  public static Settings from(Config scenario, List<String> overrides, Path scenarioFile) {
    Config over = ConfigFactory.empty();
    for (String o : overrides) {
      over = parseOverride(o).withFallback(over);
    }
    Config user = over.withFallback(scenario);
    Config reference = reference();
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
      UnknownKeys.check(checked, reference, NS, OPEN_PATHS);
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
      throw new SettingsException("--set " + o + ": expected key=value");
    }
    String key = o.substring(0, eq).trim();
    String value = o.substring(eq + 1).trim();
    if (!key.startsWith(NS + ".")) {
      key = NS + "." + key;
    }
    try {
      return ConfigFactory.parseString(
          key + " = " + value, ConfigParseOptions.defaults().setOriginDescription("--set " + o));
    } catch (ConfigException e) {
      throw new SettingsException("--set " + o + ": " + oneLine(e.getMessage()));
    }
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
        throw d.error("dir", "folder " + dir.toAbsolutePath() + " does not exist");
      }
    }
    DataSettings data =
        new DataSettings(
            dataset,
            dir,
            d.intIn("train-samples", 10, 10_000_000),
            d.intIn("test-samples", 10, 10_000_000),
            d.intIn("eval-samples", 0, 10_000_000),
            d.oneOf("partition", List.of("iid", "dirichlet", "shards", "quantity")),
            d.positive("dirichlet-alpha"),
            d.intIn("shards-per-device", 1, 1000),
            d.numberIn("quantity-sigma", 0, 10));

    SettingsReader dv = r.at("devices");
    DeviceSettings devices =
        new DeviceSettings(
            dv.intIn("count", 1, 1_000_000),
            dv.valueSource("flops", 1, 1e18),
            dv.valueSource("round-factor", 1e-6, 1e6),
            dv.valueSource("memory-bytes", 0, 1e15));

    SettingsReader l = r.at("links");
    SettingsReader st = l.at("static");
    SettingsReader sh = l.at("shannon");
    SettingsReader tr = l.at("trace");
    List<Path> up = paths(base, tr.strings("uplink"));
    List<Path> down = paths(base, tr.strings("downlink"));
    String folder = tr.string("folder");
    String kind = l.oneOf("kind", List.of("static", "shannon", "trace"));
    if (kind.equals("trace")) {
      if (!folder.isBlank()) {
        Path f = base.resolve(folder);
        if (!Files.isDirectory(f)) {
          throw tr.error("folder", "folder " + f + " does not exist");
        }
        up = listFiles(f);
        if (up.isEmpty()) {
          throw tr.error("folder", "folder " + f + " holds no files");
        }
      }
      if (up.isEmpty()) {
        throw tr.error("uplink", "kind = trace needs uplink trace files or a folder");
      }
      for (Path p : up) {
        if (!Files.isRegularFile(p)) {
          throw tr.error("uplink", "trace file " + p + " does not exist");
        }
      }
      for (Path p : down) {
        if (!Files.isRegularFile(p)) {
          throw tr.error("downlink", "trace file " + p + " does not exist");
        }
      }
    }
    LinkSettings links =
        new LinkSettings(
            kind,
            l.duration("propagation-delay"),
            st.valueSource("uplink-bps", 1, 1e15),
            st.valueSource("downlink-bps", 1, 1e15),
            sh.positive("bandwidth-hz"),
            sh.numberIn("device-power-dbm", -100, 100),
            sh.numberIn("ap-power-dbm", -100, 100),
            sh.numberIn("noise-dbm-per-hz", -300, 0),
            sh.valueSource("distance-m", 1e-3, 1e7),
            sh.oneOf("fading", List.of("rayleigh", "none")),
            up,
            down.isEmpty() ? up : down,
            tr.oneOf("format", List.of("mahimahi", "pensieve", "norway-raw", "csv")),
            tr.oneOf("end", List.of("loop", "hold-last", "stop")),
            tr.oneOf("assign", List.of("round-robin", "shuffled")));

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
    for (SettingsReader f : r.objects("faults")) {
      f.onlyKeys(Set.of("kind", "device", "round", "at"));
      String faultKind = f.oneOf("kind", List.of("device-hang"));
      int device = f.intIn("device", 0, deviceCount - 1);
      if (f.has("round") == f.has("at")) {
        throw f.error("round", "give exactly one of round = R (a round's start) or at = T s");
      }
      FaultTime start;
      if (f.has("round")) {
        start = FaultTime.ofRound(f.intIn("round", 1, r.intIn("rounds", 1, 1_000_000)));
      } else {
        Duration at = f.duration("at");
        if (at.isNegative()) {
          throw f.error("at", "must be >= 0 (emulated time since the run's start)");
        }
        start = FaultTime.at(at.toNanos());
      }
      faults.add(new Fault(faultKind, device, start));
    }

    r.at("checkpoint").intIn("every", 0, 1_000_000); // read back by checkpointEvery()
    String resolved =
        all.getConfig(NS)
            .atKey(NS)
            .root()
            .render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
    return new Settings(
        scenario,
        r.integerIn("seed", Long.MIN_VALUE, Long.MAX_VALUE),
        scheme,
        r.intIn("rounds", 1, 1_000_000),
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
        r.at("server").positive("flops"),
        links,
        timeout,
        deadline,
        Path.of(o.nonEmpty("dir")),
        o.bool("plots"),
        List.copyOf(faults),
        CpslSettings.read(r.at("cpsl")),
        scenarioFile,
        resolved);
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
    return new Settings(
        scenario,
        seed,
        other,
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
        resolved.replaceFirst("scheme\\s*=\\s*[^\\n]*", "scheme = " + other));
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
}

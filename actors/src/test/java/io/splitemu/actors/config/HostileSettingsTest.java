package io.splitemu.actors.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values a hostile review found read wrongly: in range but past the emulated clock, merged into a
 * default, unchecked in a distribution, silently truncated or dropped. Each is one line naming its
 * key (and file or --set), or read as written.
 */
class HostileSettingsTest {

  @TempDir Path tmp;

  private Path scenario(String text) throws Exception {
    Path f = tmp.resolve("s.conf");
    Files.writeString(f, text);
    return f;
  }

  private static final String BASE =
      "splitemu { scenario = h, fidelity = timing, rounds = 2, devices.count = 3\n"
          + "data.train-samples = 600\noutput.plots = false }\n";

  private SettingsException refused(String... overrides) throws Exception {
    Path f = scenario(BASE);
    SettingsException e =
        assertThrows(SettingsException.class, () -> Settings.load(f, List.of(overrides)));
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    return e;
  }

  private Settings loaded(String... overrides) throws Exception {
    return Settings.load(scenario(BASE), List.of(overrides));
  }

  private static void starts(String prefix, SettingsException e) {
    assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
  }

  // 1. Physical ranges: work at these rates overflowed the emulated clock mid-run.

  @Test
  void deviceRateTimesRoundFactorBelowOneFlopPerSecond_isRefusedNamingRoundFactor()
      throws Exception {
    SettingsException e = refused("devices.flops=1", "devices.round-factor=1e-6");
    starts("--set devices.round-factor=1e-6: 1: splitemu.devices.round-factor:", e);
    assertTrue(e.getMessage().contains("at least 1 FLOP/s"), e.getMessage());
    assertEquals(
        new ValueSource.Constant(1e-6),
        loaded("devices.flops=1e9", "devices.round-factor=1e-6").devices().roundFactor());
  }

  @Test
  void anOpenTailedFlopsDistributionWithoutMin_isNotRefusedForItsFloor() throws Exception {
    // Its lowest value is the key's floor of 1 FLOP/s only in the far tail: a median of 2 GFLOP/s
    // times a round factor down to 0.6 is a sensible scenario (it ran before the product check).
    for (String flops :
        List.of(
            "{distribution=lognormal, mu=21.4, sigma=0.5}",
            "{distribution=normal, mean=2e9, sd=5e8}",
            "{distribution=exponential, mean=2e9}")) {
      Settings s =
          loaded(
              "devices.flops=" + flops,
              "devices.round-factor={distribution=uniform, min=0.6, max=1.0}");
      assertEquals(0.6, s.devices().roundFactor().lowest());
    }
    // With a min written, the product is checked.
    SettingsException e =
        refused(
            "devices.flops={distribution=lognormal, mu=21.4, sigma=0.5, min=1}",
            "devices.round-factor={distribution=uniform, min=0.6, max=1.0}");
    assertTrue(e.getMessage().contains("at least 1 FLOP/s"), e.getMessage());
  }

  // 2. MP-SL's hop-slowdown: 1e-6 made jobs of nanoseconds, and the run never ended.

  @Test
  void tinyHopSlowdown_isRefusedInOneLine() throws Exception {
    for (String f : List.of("1e-6", "1e-9", "0", "1e7")) {
      String set = "mpsl.hop-slowdown=[1, " + f + "]";
      // refused as the scenario is loaded, naming the --set (a file's line where written there)
      starts(
          "--set " + set + ": 1: splitemu.mpsl.hop-slowdown: every factor must be in [0.01, 1e6]",
          assertThrows(SettingsException.class, () -> loaded("scheme=mpsl", set)));
      // and read for a pipeline scheme of another scheme's scenario (compare): the key alone
      Settings s = loaded("scheme=psl", set).withScheme("mpsl");
      SettingsException e = assertThrows(SettingsException.class, () -> MpslSettings.of(s));
      starts("splitemu.mpsl.hop-slowdown: every factor must be in [0.01, 1e6]", e);
    }
    assertEquals(
        List.of(0.01, 1e6),
        MpslSettings.of(loaded("scheme=mpsl", "mpsl.hop-slowdown=[0.01, 1e6]")).hopSlowdown());
  }

  @Test
  void serverFlops_hasTheDevicesRange() throws Exception {
    starts(
        "--set server.flops=1e-3: 1: splitemu.server.flops: must be in [1.0",
        refused("server.flops=1e-3"));
    starts("--set server.flops=1e19: 1: splitemu.server.flops:", refused("server.flops=1e19"));
  }

  @Test
  void slowdownAndDegradationFactors_haveAPhysicalRange() throws Exception {
    starts(
        "--set faults=[{kind=device-slowdown, device=1, round=1, factor=1e300}]: 1:"
            + " splitemu.faults[0].factor: must be > 1 and at most 1e6",
        refused("faults=[{kind=device-slowdown, device=1, round=1, factor=1e300}]"));
    starts(
        "--set faults=[{kind=link-degradation, device=1, round=1, factor=1e-300}]: 1:"
            + " splitemu.faults[0].factor: must be in [1e-9, 1]",
        refused("faults=[{kind=link-degradation, device=1, round=1, factor=1e-300}]"));
    assertEquals(
        1e6,
        loaded("faults=[{kind=device-slowdown, device=1, round=1, factor=1e6}]")
            .faults()
            .get(0)
            .factor());
  }

  @Test
  void exponentialRoundFactorOfATinyMean_isRefused() throws Exception {
    starts(
        "--set devices.round-factor={distribution=exponential,mean=1e-300}: 1:"
            + " splitemu.devices.round-factor.mean: must be in [1.0E-6",
        refused("devices.round-factor={distribution=exponential,mean=1e-300}"));
  }

  // 8. The Shannon bandwidth.

  @Test
  void shannonBandwidth_hasAPhysicalRange() throws Exception {
    starts(
        "--set links.shannon.bandwidth-hz=1e-300: 1: splitemu.links.shannon.bandwidth-hz:"
            + " must be in [1.0, 1.0E12]",
        refused("links.shannon.bandwidth-hz=1e-300"));
    assertEquals(1e12, loaded("links.shannon.bandwidth-hz=1e12").links().bandwidthHz());
  }

  // 3. A distribution object replaces a default object instead of merging into it.

  @Test
  void nonUniformDistanceDistribution_replacesTheDefaultUniform() throws Exception {
    Settings s =
        loaded(
            "links.kind=shannon", "links.shannon.distance-m={distribution=exponential,mean=100}");
    assertInstanceOf(ValueSource.Exponential.class, s.links().distanceM());
    assertEquals(100, ((ValueSource.Exponential) s.links().distanceM()).mean());
    // From the scenario file too, and over a scenario's own distribution by --set.
    Path f =
        scenario(
            "splitemu { links.shannon.distance-m { distribution = lognormal, mu = 5, sigma = 1 }\n"
                + "devices.flops { distribution = uniform, min = 1e9, max = 2e9 } }\n");
    Settings t = Settings.load(f, List.of("devices.flops={distribution=normal, mean=2e9, sd=1e8}"));
    assertInstanceOf(ValueSource.LogNormal.class, t.links().distanceM());
    assertInstanceOf(ValueSource.Normal.class, t.devices().flops());
    // An object without a distribution still edits the one beneath it.
    ValueSource.Uniform u =
        (ValueSource.Uniform) loaded("links.shannon.distance-m.max=900").links().distanceM();
    assertEquals(50, u.min());
    assertEquals(900, u.max());
  }

  // 4. Distributions are held to the key's range.

  @Test
  void choiceValues_areCheckedAgainstTheKeysRange() throws Exception {
    starts(
        "--set devices.flops={distribution=choice,values=[-1e9]}: 1: splitemu.devices.flops.values:"
            + " values must be in [1.0, 1.0E18], got -1.0E9",
        refused("devices.flops={distribution=choice,values=[-1e9]}"));
    starts(
        "--set links.static.uplink-bps={distribution=choice,values=[0]}: 1:"
            + " splitemu.links.static.uplink-bps.values:",
        refused("links.static.uplink-bps={distribution=choice,values=[0]}"));
  }

  @Test
  void lognormalAndExponential_areRefusedOutsideTheRange_andClampedToIt() throws Exception {
    starts(
        "--set devices.flops={distribution=lognormal,mu=20,sigma=1e300}: 1:"
            + " splitemu.devices.flops.sigma: must be in [0.0, 10.0]",
        refused("devices.flops={distribution=lognormal,mu=20,sigma=1e300}"));
    starts(
        "--set devices.flops={distribution=lognormal,mu=700,sigma=1}: 1:"
            + " splitemu.devices.flops.mu: exp(mu), the median, must be in [1.0, 1.0E18]",
        refused("devices.flops={distribution=lognormal,mu=700,sigma=1}"));
    // Every draw lies in the key's range, or in the object's own min and max.
    ValueSource ln =
        loaded("devices.flops={distribution=lognormal,mu=41,sigma=10}").devices().flops();
    ValueSource ex =
        loaded("devices.flops={distribution=exponential,mean=1e9,min=5e8,max=2e9}")
            .devices()
            .flops();
    SplittableRandom rng = new SplittableRandom(3);
    for (int i = 0; i < 10_000; i++) {
      double a = ln.value(i, rng);
      assertTrue(a >= 1 && a <= 1e18, "lognormal draw " + a);
      double b = ex.value(i, rng);
      assertTrue(b >= 5e8 && b <= 2e9, "exponential draw " + b);
    }
  }

  // 5. One --set, one key.

  @Test
  void aSetOfTwoAssignments_isRefusedNotHalfTaken() throws Exception {
    assertEquals(
        "--set rounds=1, scheme=sl: sets more than one key (also scheme); give each key its own"
            + " --set",
        refused("rounds=1, scheme=sl").getMessage());
    assertEquals(
        "--set rounds=1 scheme=sl: sets more than one key (also scheme); give each key its own"
            + " --set",
        refused("rounds=1\nscheme=sl").getMessage());
    starts(
        "--set devices.count=3, devices.flops=1e9: sets more than one key (also devices)",
        refused("devices.count=3, devices.flops=1e9"));
    // An object value is one key.
    assertEquals(5, loaded("devices={count=5, flops=1e9}").devices().count());
  }

  // 6. Durations and whole numbers as written.

  @Test
  void nonFiniteDurations_areRefused() throws Exception {
    starts(
        "--set links.propagation-delay=NaN s: 1: splitemu.links.propagation-delay: expected a"
            + " finite duration",
        refused("links.propagation-delay=NaN s"));
    Settings linger = loaded("metrics.linger=NaN s");
    starts(
        "splitemu.metrics.linger: expected a finite duration",
        assertThrows(
            SettingsException.class, () -> io.splitemu.actors.metrics.MetricsSettings.of(linger)));
    starts(
        "--set faults=[{kind=device-crash, device=1, at=\"NaN s\"}]: 1: splitemu.faults[0].at:"
            + " expected a finite duration",
        refused("faults=[{kind=device-crash, device=1, at=\"NaN s\"}]"));
  }

  @Test
  void wholeNumbers_areReadAsWritten_notTruncatedOrSaturated() throws Exception {
    starts(
        "--set rounds=\"2.9\": 1: splitemu.rounds: expected a whole number, got 2.9",
        refused("rounds=\"2.9\""));
    starts(
        "--set devices.count=\"3.7\": 1: splitemu.devices.count: expected a whole number, got 3.7",
        refused("devices.count=\"3.7\""));
    starts(
        "--set seed=99999999999999999999: 1: splitemu.seed: must be in [-9223372036854775808,"
            + " 9223372036854775807], got 99999999999999999999",
        refused("seed=99999999999999999999"));
    SettingsException e = refused("rounds=1e30");
    assertFalse(e.getMessage().contains("9223372036854775807"), e.getMessage());
    assertEquals(3, loaded("rounds=\"3\"").rounds());
    assertEquals(1000, loaded("rounds=1e3").rounds());
  }

  // A scenario given by its bare name, in the working folder, includes a file beside it.

  @Test
  void aScenarioGivenByItsBareName_includesTheFileBesideIt() throws Exception {
    Path base = Files.createTempFile(Path.of(""), "hostile-base", ".conf");
    Path top = Files.createTempFile(Path.of(""), "hostile-top", ".conf");
    try {
      Files.writeString(base, "splitemu.rounds = 7\n");
      Files.writeString(top, "include required(\"" + base.getFileName() + "\")\n");
      assertEquals(7, Settings.load(top.getFileName(), List.of()).rounds());
    } finally {
      Files.deleteIfExists(base);
      Files.deleteIfExists(top);
    }
  }

  // An empty scenario (a zero-byte file from a failed copy) would run every default as if it were
  // the user's.

  @Test
  void anEmptyScenario_isRefused_butSetOptionsMakeItOne() throws Exception {
    Path empty = tmp.resolve("empty.conf");
    Files.writeString(empty, "# nothing yet\n");
    SettingsException e =
        assertThrows(SettingsException.class, () -> Settings.load(empty, List.of()));
    assertTrue(e.getMessage().startsWith(empty + ": the scenario sets nothing"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertEquals(4, Settings.load(empty, List.of("rounds=4")).rounds());
    // compare's --sweep values are set options of every point, as --set is
    assertEquals(
        Settings.load(empty, List.of("rounds=4")).scheme(),
        Settings.load(empty, List.of(), List.of("rounds=1,2")).scheme());
  }

  // A plain include whose file is missing (a misspelt name) was skipped by HOCON: the scenario ran
  // on the defaults. Every include must find its file, in the scenario or in a file it includes.

  @Test
  void aPlainIncludeOfAMissingFile_isRefusedNamingTheIncludingFileAndLine() throws Exception {
    Path inc = tmp.resolve("inc.conf");
    Files.writeString(inc, "include \"bsae.conf\"\nsplitemu { rounds = 2 }\n");
    SettingsException e =
        assertThrows(SettingsException.class, () -> Settings.load(inc, List.of()));
    assertEquals(
        inc
            + ":1: include \"bsae.conf\": no such file (looked for "
            + tmp.toAbsolutePath().resolve("bsae.conf")
            + ", beside the including file)",
        e.getMessage());
    // the same as required(...)
    Files.writeString(inc, "include required(\"bsae.conf\")\nsplitemu { rounds = 2 }\n");
    assertEquals(
        e.getMessage(),
        assertThrows(SettingsException.class, () -> Settings.load(inc, List.of())).getMessage());
    // a name without extension is looked for with the library's extensions
    Files.writeString(inc, "splitemu { rounds = 2 }\ninclude \"bsae\"\n");
    assertEquals(
        inc
            + ":2: include \"bsae\": no such file (looked for "
            + tmp.toAbsolutePath().resolve("bsae")
            + " with .conf, .json or .properties, beside the including file)",
        assertThrows(SettingsException.class, () -> Settings.load(inc, List.of())).getMessage());
  }

  @Test
  void aMissingIncludeInAnIncludedFile_namesThatFileAndItsLine_andIncludesThatAreThereRead()
      throws Exception {
    Path sub = Files.createDirectories(tmp.resolve("sub"));
    Path top = tmp.resolve("top.conf");
    Files.writeString(top, "include \"sub/mid.conf\"\nsplitemu { rounds = 2 }\n");
    Path mid = sub.resolve("mid.conf");
    Files.writeString(mid, "# mid\n\ninclude \"lost.conf\"\nsplitemu.seed = 5\n");
    SettingsException e =
        assertThrows(SettingsException.class, () -> Settings.load(top, List.of()));
    assertEquals(
        mid
            + ":3: include \"lost.conf\": no such file (looked for "
            + sub.resolve("lost.conf")
            + ", beside the including file)",
        e.getMessage());
    // beside the including file, with or without the extension
    Files.writeString(sub.resolve("lost.conf"), "include \"leaf\"\n");
    Files.writeString(sub.resolve("leaf.conf"), "splitemu.devices.count = 3\n");
    Settings s = Settings.load(top, List.of());
    assertEquals(2, s.rounds());
    assertEquals(5L, s.seed());
    assertEquals(3, s.devices().count());
  }

  // A value of the wrong type was quoted with the library's origin comments:
  // "got list [     # /s/x.conf: 3 ...".

  @Test
  void aValueOfTheWrongType_isQuotedAsWritten_withoutOriginComments() throws Exception {
    Path f = tmp.resolve("badtype.conf");
    Files.writeString(f, "splitemu {\n  devices.count = [4]\n}\n");
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.load(f, List.of()));
    assertEquals(
        f + ":2: splitemu.devices.count: expected a whole number, got list [4]", e.getMessage());
    Files.writeString(f, "splitemu {\n  scheme = [psl, sl]\n}\n");
    e = assertThrows(SettingsException.class, () -> Settings.load(f, List.of()));
    assertTrue(e.getMessage().endsWith("got list [\"psl\",\"sl\"]"), e.getMessage());
  }

  // 9. Availability files.

  private Path availability(byte[] bytes) throws Exception {
    Path f = tmp.resolve("avail.csv");
    Files.write(f, bytes);
    return f;
  }

  @Test
  void availability_dropsAByteOrderMark_andRefusesMalformedBytesWithLineAndColumn()
      throws Exception {
    byte[] text = (Availability.HEADER + "\n1,5,6\n").getBytes(StandardCharsets.UTF_8);
    byte[] marked = new byte[text.length + 3];
    marked[0] = (byte) 0xEF;
    marked[1] = (byte) 0xBB;
    marked[2] = (byte) 0xBF;
    System.arraycopy(text, 0, marked, 3, text.length);
    assertEquals(1, Availability.read(availability(marked), 3).size());
    byte[] latin1 =
        (Availability.HEADER + "\n1,5,6\n2,7,8 \u00e9\n").getBytes(StandardCharsets.ISO_8859_1);
    Path f = availability(latin1);
    SettingsException e = assertThrows(SettingsException.class, () -> Availability.read(f, 3));
    assertEquals(f + ":3: expected UTF-8 text (not the byte 0xE9 at column 7)", e.getMessage());
  }

  @Test
  void availability_readsLfCrlfAndLoneCrLineEnds_alike() throws Exception {
    String h = Availability.HEADER;
    for (String eol : List.of("\n", "\r\n", "\r")) {
      Path f =
          availability((h + eol + "1,5,6" + eol + "2,7,8" + eol).getBytes(StandardCharsets.UTF_8));
      assertEquals(2, Availability.read(f, 3).size(), "line ends " + eol.replace("\r", "CR"));
    }
    // A bad row after lone CRs is named by its own line.
    Path bad = availability((h + "\r1,5,6\r2,x,8\r").getBytes(StandardCharsets.UTF_8));
    SettingsException e = assertThrows(SettingsException.class, () -> Availability.read(bad, 3));
    assertTrue(e.getMessage().startsWith(bad + ":3:"), e.getMessage());
    assertTrue(!e.getMessage().contains("\r"), e.getMessage());
  }

  @Test
  void availabilityRow_needsThreeCells_anEmptyThirdMeaningUntilTheEnd() throws Exception {
    Path two = availability((Availability.HEADER + "\n1,5\n").getBytes(StandardCharsets.UTF_8));
    SettingsException e = assertThrows(SettingsException.class, () -> Availability.read(two, 3));
    assertEquals(
        two + ":2: expected 3 columns (" + Availability.HEADER + "), got 2", e.getMessage());
    Path open = availability((Availability.HEADER + "\n1,5,\n").getBytes(StandardCharsets.UTF_8));
    assertEquals(null, Availability.read(open, 3).get(0).end());
  }

  @Test
  void availabilityThatIsAFolder_isSaidToBeOne() throws Exception {
    Files.createDirectories(tmp.resolve("churn"));
    SettingsException e = refused("availability=churn");
    assertTrue(e.getMessage().endsWith("churn is a directory, not a file"), e.getMessage());
  }

  // Refusals made when a run is prepared name the file and line like those made at load.

  private SettingsException refusedAtStart(String line) throws Exception {
    Path f = scenario(BASE + line + "\n");
    Settings s = Settings.load(f, List.of());
    SettingsException e =
        assertThrows(
            SettingsException.class, () -> io.splitemu.actors.runtime.Emulation.prepare(s));
    assertTrue(e.getMessage().startsWith(f + ":4: "), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    return e;
  }

  /** Before: "splitemu.model.cut: must be in 1..6 for model lenet5, got 9", with no file. */
  @Test
  void aCutPastTheModel_namesTheFileAndLine() throws Exception {
    SettingsException e = refusedAtStart("splitemu.model.cut = 9");
    assertTrue(
        e.getMessage().endsWith(":4: splitemu.model.cut: must be in 1..6 for model lenet5, got 9"),
        e.getMessage());
  }

  /**
   * Before: "splitemu.local-steps: ...", "splitemu.links.kind: ...", "splitemu.data.dir:
   * train-labels-idx1-ubyte.gz: ...", with no file, line or data folder.
   */
  @Test
  void stepsLinksAndData_refusedAtStart_nameTheFileAndLine() throws Exception {
    SettingsException e = refusedAtStart("splitemu { scheme = edgesplit, local-steps = 0 }");
    assertTrue(
        e.getMessage()
            .endsWith(":4: splitemu.local-steps: edgesplit needs the iterations per round (>= 1)"),
        e.getMessage());
    e = refusedAtStart("splitemu { scheme = edgesplit, local-steps = 1, links.kind = shannon }");
    assertTrue(e.getMessage().contains(":4: splitemu.links.kind: edgesplit plans"), e.getMessage());
    Path mnist = Files.createDirectories(tmp.resolve("mnist"));
    byte[] header = new byte[16];
    java.nio.ByteBuffer.wrap(header).putInt(2051).putInt(600).putInt(28).putInt(28);
    Files.write(mnist.resolve("train-images-idx3-ubyte"), header);
    Path labels = mnist.resolve("train-labels-idx1-ubyte.gz");
    Files.write(labels, new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5});
    e = refusedAtStart("splitemu.data { dataset = mnist, dir = \"" + mnist + "\" }");
    assertTrue(
        e.getMessage().contains(":4: splitemu.data.dir: " + labels.toAbsolutePath() + ": "),
        e.getMessage());
  }

  /** Before: "splitemu.model.name: unknown model \"lenet6\"; known: ...", with no file. */
  @Test
  void anUnknownModel_namesTheFileAndLine() throws Exception {
    SettingsException e = refusedAtStart("splitemu.model.name = lenet6");
    assertTrue(
        e.getMessage()
            .contains(
                ":4: splitemu.model.name: unknown model \"lenet6\"; psl trains the zoo's: lenet5,"
                    + " mlp, resnet8"),
        e.getMessage());
  }

  /**
   * A profile that profile --model knows, on a barrier scheme: before, "unknown model", with no
   * file or scheme.
   */
  @Test
  void aProfileOnABarrierScheme_saysWhichSchemesTakeIt() throws Exception {
    SettingsException e = refusedAtStart("splitemu.model.name = efficientnetv2-s-mnist");
    assertTrue(
        e.getMessage()
            .contains(
                ":4: splitemu.model.name: psl trains zoo models only (lenet5, mlp, resnet8);"
                    + " \"efficientnetv2-s-mnist\" is a profile, for edgesplit, "),
        e.getMessage());
    assertTrue(e.getMessage().contains("sfl-compute-robust"), e.getMessage());
    assertFalse(e.getMessage().contains("unknown"), e.getMessage());
  }

  /** Before: "splitemu.faults[0].kind: hop-crash is not injected on sl yet", with no file. */
  @Test
  void aFaultKindTheSchemeDoesNotInject_namesTheFileAndLine() throws Exception {
    SettingsException e =
        refusedAtStart(
            "splitemu { scheme = sl, faults = [{kind = hop-crash, hop = 0, round = 2}] }");
    assertTrue(
        e.getMessage().contains(":4: splitemu.faults[0].kind: hop-crash is not injected on sl"),
        e.getMessage());
  }

  /**
   * A fault written over several lines: a refusal at start names the line of the key it refuses
   * (the fault-origin case above has the whole fault on one line).
   */
  @Test
  void aMultiLineFault_refusedAtStart_namesTheRefusedKeysLine() throws Exception {
    String fault =
        "splitemu.scheme = mpsl\n"
            + "splitemu.faults = [{\n"
            + "  kind = hop-crash, hop = 0\n"
            + "  round = %s\n"
            + "%s"
            + "}]\n";
    Path f = scenario(BASE + String.format(fault, "1", ""));
    Settings s = Settings.load(f, List.of());
    SettingsException e =
        assertThrows(
            SettingsException.class, () -> io.splitemu.actors.runtime.Emulation.prepare(s));
    assertTrue(
        e.getMessage().startsWith(f + ":7: splitemu.faults[0].round: hop-crash at round 1"),
        e.getMessage());
    Path g = scenario(BASE + String.format(fault, "2", "  until = 3 s\n"));
    Settings t = Settings.load(g, List.of());
    e =
        assertThrows(
            SettingsException.class, () -> io.splitemu.actors.runtime.Emulation.prepare(t));
    assertTrue(
        e.getMessage().startsWith(g + ":8: splitemu.faults[0].until: hop-crash has no end"),
        e.getMessage());
  }

  /**
   * A fault key given as null reads as not given, as before the refusals at start named lines
   * (then: "Configuration key 'x.until' is null").
   */
  @Test
  void aFaultKeySetToNull_readsAsNotGiven() throws Exception {
    Path f =
        scenario(
            BASE
                + "splitemu.faults = [\n"
                + "  { kind = device-hang, device = 1, round = 2, until = null }\n"
                + "]\n");
    Settings s = Settings.load(f, List.of());
    assertEquals(1, s.faults().size());
    assertEquals(null, s.faults().get(0).end());
    assertTrue(
        s.where(s.faults().get(0), "until").startsWith(f + ":5: "),
        s.where(s.faults().get(0), "until"));
  }

  /** A --set the library cannot parse names the option once (before: twice, one after another). */
  @Test
  void anUnparsableSet_namesTheOptionOnce() throws Exception {
    SettingsException e = refused("links.static.uplink-bps=[1e6,");
    starts("--set links.static.uplink-bps=[1e6,: 1: ", e);
    assertEquals(1, e.getMessage().split("--set ", -1).length - 1, e.getMessage());
  }
}

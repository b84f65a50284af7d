package io.splitemu.actors.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

  @TempDir Path tmp;

  private Path scenario(String text) throws Exception {
    Path f = tmp.resolve("s.conf");
    Files.writeString(f, text);
    return f;
  }

  private SettingsException refused(String text, String... overrides) throws Exception {
    Path f = scenario(text);
    return assertThrows(SettingsException.class, () -> Settings.load(f, List.of(overrides)));
  }

  @Test
  void defaults_areValidAndComplete() throws Exception {
    Settings s = Settings.load(scenario("splitemu.scenario = demo\n"), List.of());
    assertEquals("demo", s.scenario());
    assertEquals("psl", s.scheme());
    assertEquals(Settings.Fidelity.FULL, s.fidelity());
    assertEquals("lenet5", s.model().name());
    assertInstanceOf(ValueSource.Constant.class, s.devices().flops());
    assertTrue(s.resolved().contains("demo"), s.resolved());
  }

  @Test
  void setOverrides_winOverTheScenario_withOrWithoutNamespace() throws Exception {
    Path f = scenario("splitemu { rounds = 3, model.cut = 2 }\n");
    Settings s = Settings.load(f, List.of("rounds=7", "splitemu.model.cut = 4", "scheme=sl"));
    assertEquals(7, s.rounds());
    assertEquals(4, s.model().cut());
    assertEquals("sl", s.scheme());
    assertTrue(s.resolved().contains("rounds=7") || s.resolved().contains("rounds = 7"));
  }

  @Test
  void unknownKey_failsNamingFileLineAndKey() throws Exception {
    SettingsException e = refused("splitemu {\n  rounds = 3\n  modle.cut = 2\n}\n");
    assertTrue(e.getMessage().contains("s.conf"), e.getMessage());
    assertTrue(e.getMessage().contains(":3"), e.getMessage());
    assertTrue(e.getMessage().contains("splitemu.modle.cut: unknown key"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void wrongType_failsNamingKey() throws Exception {
    SettingsException e = refused("splitemu.batch-size = big\n");
    assertTrue(e.getMessage().contains("splitemu.batch-size"), e.getMessage());
    assertTrue(e.getMessage().contains("expected a whole number"), e.getMessage());
  }

  @Test
  void unknownScheme_listsKnownOnes() throws Exception {
    SettingsException e = refused("splitemu.scheme = fedsplit\n");
    assertTrue(e.getMessage().contains("splitemu.scheme"), e.getMessage());
    assertTrue(e.getMessage().contains("psl"), e.getMessage());
  }

  @Test
  void traceOrAvailabilityPathThatIsNoRegularFile_isSaidToBeOne() throws Exception {
    String dev = "/dev/null"; // a character device: it exists, and is no file to read a trace from
    SettingsException e =
        refused(
            "splitemu.links { kind = trace, trace { format = pensieve, uplink = [\""
                + dev
                + "\"] } }\n");
    assertTrue(
        e.getMessage().contains("trace file " + dev + " is not a regular file"), e.getMessage());
    Path folder = Files.createDirectories(tmp.resolve("tracedir"));
    Path up = Files.writeString(tmp.resolve("up.txt"), "0 1\n1 1\n");
    e =
        refused(
            "splitemu.links { kind = trace, trace { format = pensieve, uplink = [\""
                + up
                + "\"], downlink = [\""
                + folder
                + "\"] } }\n");
    assertTrue(e.getMessage().contains("is a directory, not a file"), e.getMessage());
    e = refused("splitemu.availability = \"" + dev + "\"\n");
    assertTrue(e.getMessage().contains("file " + dev + " is not a regular file"), e.getMessage());
    e = refused("splitemu.availability = \"" + tmp.resolve("none.csv") + "\"\n");
    assertTrue(e.getMessage().contains("none.csv does not exist"), e.getMessage());
  }

  @Test
  void missingDataDirectory_failsNamingIt() throws Exception {
    SettingsException e =
        refused("splitemu.data { dataset = mnist, dir = \"" + tmp.resolve("nope") + "\" }\n");
    assertTrue(e.getMessage().contains("splitemu.data.dir"), e.getMessage());
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void dataDirectoryThatIsAFile_isNamedAsNotAFolder() throws Exception {
    Path file = Files.writeString(tmp.resolve("mnist.tar"), "x");
    SettingsException e = refused("splitemu.data { dataset = mnist, dir = \"" + file + "\" }\n");
    assertTrue(e.getMessage().contains("splitemu.data.dir"), e.getMessage());
    assertTrue(e.getMessage().contains(file + " is not a folder"), e.getMessage());
  }

  @Test
  void samplesAbove2Million_onlyInTimingFidelity() throws Exception {
    // One array of 28 x 28 synthetic images must stay under 2^31 bytes in full fidelity.
    Settings s =
        Settings.load(scenario(""), List.of("fidelity=timing", "data.train-samples=100000000"));
    assertEquals(100_000_000, s.data().trainSamples());
    SettingsException e = refused("", "data.train-samples=2000001");
    assertTrue(e.getMessage().contains("splitemu.data.train-samples"), e.getMessage());
    assertTrue(e.getMessage().contains("full fidelity"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    e = refused("", "data.test-samples=2000001");
    assertTrue(e.getMessage().contains("splitemu.data.test-samples"), e.getMessage());
    e = refused("", "fidelity=timing", "data.train-samples=100000001");
    assertTrue(e.getMessage().contains("splitemu.data.train-samples"), e.getMessage());
    // A Dirichlet concentration so large its gamma draws overflow gave one device a class.
    assertEquals(
        1e6,
        Settings.load(scenario(""), List.of("data.dirichlet-alpha=1e6")).data().dirichletAlpha());
    e = refused("", "data.dirichlet-alpha=1e308");
    assertTrue(
        e.getMessage().contains("splitemu.data.dirichlet-alpha: must be at most 1e6"),
        e.getMessage());
    assertEquals(
        2_000_000,
        Settings.load(scenario(""), List.of("data.train-samples=2000000")).data().trainSamples());
    assertEquals(
        5_000_000,
        Settings.load(scenario(""), List.of("fidelity=timing", "data.test-samples=5000000"))
            .data()
            .testSamples());
  }

  @Test
  void badOverride_isRefused() throws Exception {
    SettingsException e = refused("", "rounds");
    assertTrue(e.getMessage().contains("expected key=value"), e.getMessage());
    e = refused("", "roundz=3");
    assertTrue(e.getMessage().contains("splitemu.roundz: unknown key"), e.getMessage());
  }

  @Test
  void traceFiles_areResolvedFromTheScenarioFolder() throws Exception {
    Files.writeString(tmp.resolve("up.trace"), "0.0 1.0\n1.0 2.0\n");
    Settings s =
        Settings.load(
            scenario("splitemu.links { kind = trace, trace.uplink = [\"up.trace\"] }\n"),
            List.of());
    assertEquals(List.of(tmp.resolve("up.trace")), s.links().traceUplink());
    assertEquals(s.links().traceUplink(), s.links().traceDownlink());
    SettingsException e =
        refused("splitemu.links { kind = trace, trace.uplink = [\"missing.trace\"] }\n");
    assertTrue(e.getMessage().contains("splitemu.links.trace.uplink"), e.getMessage());
  }

  /**
   * A negative propagation delay is refused at load naming the key (run made its results folder and
   * failed mid-round with a line that did not name it); 0 is the default and allowed.
   */
  @Test
  void negativePropagationDelay_isRefusedNamingTheKey() throws Exception {
    SettingsException e = refused("", "links.propagation-delay=-5 ms");
    assertTrue(
        e.getMessage().contains("splitemu.links.propagation-delay: must be >= 0"), e.getMessage());
    assertTrue(e.getMessage().contains("-0.005 s"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    e = refused("splitemu.links.propagation-delay = -0.001\n");
    assertTrue(e.getMessage().contains("s.conf"), e.getMessage());
    assertTrue(e.getMessage().contains("splitemu.links.propagation-delay"), e.getMessage());
    assertEquals(
        0,
        Settings.load(scenario("splitemu {}\n"), List.of()).links().propagationDelay().toNanos());
  }

  /**
   * A mahimahi trace has no last rate to hold: hold-last is refused at load naming {@code
   * splitemu.links.trace.end} (it passed, and the run failed later without naming the key).
   */
  @Test
  void mahimahiTraceWithHoldLast_isRefusedNamingEnd() throws Exception {
    Files.writeString(tmp.resolve("ops.up"), "1\n2\n5\n");
    String conf =
        "splitemu.links { kind = trace, trace { uplink = [\"ops.up\"], format = mahimahi } }\n";
    SettingsException e = refused(conf, "links.trace.end=hold-last");
    assertTrue(
        e.getMessage().contains("splitemu.links.trace.end: a mahimahi trace can loop or stop"),
        e.getMessage());
    assertEquals(
        "stop", Settings.load(scenario(conf), List.of("links.trace.end=stop")).links().traceEnd());
  }

  @Test
  void perDeviceDistribution_isAccepted_andBadOneRefused() throws Exception {
    Settings s =
        Settings.load(
            scenario("splitemu.devices.flops { distribution = uniform, min = 1e9, max = 3e9 }\n"),
            List.of());
    assertInstanceOf(ValueSource.Uniform.class, s.devices().flops());
    SettingsException e =
        refused("splitemu.devices.flops { distribution = uniform, min = 3e9, max = 1e9 }\n");
    assertTrue(e.getMessage().contains("splitemu.devices.flops.max"), e.getMessage());
  }

  @Test
  void missingScenarioFile_isNamed() {
    SettingsException e =
        assertThrows(
            SettingsException.class, () -> Settings.load(tmp.resolve("none.conf"), List.of()));
    assertTrue(e.getMessage().contains("none.conf"), e.getMessage());
  }

  @Test
  void malformedHocon_isOneLine() throws Exception {
    SettingsException e = refused("splitemu { rounds = \n");
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertTrue(e.getMessage().contains("s.conf"), e.getMessage());
  }

  @Test
  void withScheme_changesSchemeAndResolvedText() throws Exception {
    Settings s = Settings.load(scenario("splitemu.scheme = psl\n"), List.of());
    Settings t = s.withScheme("sfl-v1");
    assertEquals("sfl-v1", t.scheme());
    assertTrue(t.resolved().contains("sfl-v1"), t.resolved());
    assertThrows(SettingsException.class, () -> s.withScheme("nope"));
  }
}

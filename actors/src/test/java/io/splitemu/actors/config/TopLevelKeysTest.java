package io.splitemu.actors.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scenario key written outside the {@code splitemu} block, or a misspelt block, is refused in one
 * line naming the file, line and key (before: nothing in it was read and the run went on with the
 * defaults); the top-level blocks scenarios keep for substitutions, and {@code pekko}, still load.
 */
class TopLevelKeysTest {

  @TempDir Path tmp;

  private SettingsException refused(String text) throws Exception {
    Path f = tmp.resolve("s.conf");
    Files.writeString(f, text);
    SettingsException e =
        assertThrows(SettingsException.class, () -> Settings.load(f, List.of("seed=3")));
    assertTrue(e.getMessage().startsWith(f + ":"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    return e;
  }

  @Test
  void aSplitemuKeyAtTheTop_isRefusedNamingIt() throws Exception {
    SettingsException e = refused("rounds = 1\nfidelity = timing\n");
    assertTrue(e.getMessage().contains(":2: fidelity: "), e.getMessage());
    assertTrue(e.getMessage().contains("did you mean splitemu.fidelity?"), e.getMessage());
    e = refused("splitemu { scenario = x }\nrounds = 1\n");
    assertTrue(e.getMessage().contains(":2: rounds: "), e.getMessage());
    assertTrue(e.getMessage().endsWith("(did you mean splitemu.rounds?)"), e.getMessage());
    // One edit from a key.
    e = refused("splitemu { scenario = x }\nround = 1\n");
    assertTrue(e.getMessage().contains("did you mean splitemu.rounds?"), e.getMessage());
  }

  /**
   * A plain top-level value is refused also when the block sets the same key (before: {@code rounds
   * = 1} beside {@code splitemu { rounds = 3 }} was ignored and the run went 3 rounds).
   */
  @Test
  void aSplitemuKeyAtTheTop_isRefusedAlsoWhenTheBlockSetsIt() throws Exception {
    SettingsException e = refused("rounds = 1\nsplitemu {\n  scenario = x\n  rounds = 3\n}\n");
    assertTrue(e.getMessage().contains(":1: rounds: outside the splitemu block"), e.getMessage());
    assertTrue(e.getMessage().endsWith("(did you mean splitemu.rounds?)"), e.getMessage());
  }

  @Test
  void aMisspeltBlock_isRefused() throws Exception {
    SettingsException e = refused("splitem {\n  rounds = 1\n}\n");
    assertTrue(e.getMessage().contains(":1: splitem: "), e.getMessage());
    assertTrue(e.getMessage().contains("did you mean splitemu?"), e.getMessage());
  }

  @Test
  void blocksReadThroughSubstitutions_andPekko_stillLoad() throws Exception {
    Path f = tmp.resolve("ok.conf");
    Files.writeString(
        f,
        "splitemu {\n  rounds = ${study.rounds}\n  faults = ${faults}\n}\n"
            + "study { rounds = 2 }\nfaults = []\npekko.loglevel = INFO\n");
    assertEquals(2, Settings.load(f, List.of()).rounds());
  }

  /**
   * A top-level block of values read through substitutions from --set or --sweep, named after the
   * key it sets (the fault-study pattern: faults { none = [], crash = [...] } with --sweep
   * 'faults=${faults.none},${faults.crash}'), loads (before: refused as a misplaced
   * splitemu.faults).
   */
  @Test
  void aHelperBlockNamedAfterAKey_loads() throws Exception {
    Path f = tmp.resolve("helper.conf");
    Files.writeString(
        f,
        "splitemu { scenario = x }\n"
            + "faults { none = [], crash = [{kind = server-crash, round = 2}] }\n");
    assertEquals(List.of(), Settings.load(f, List.of()).faults());
    assertEquals(List.of(), Settings.load(f, List.of("faults=${faults.none}")).faults());
    assertEquals(
        List.of(),
        Settings.load(f, List.of(), List.of("faults=${faults.none},${faults.crash}")).faults());
  }

  /**
   * A plain top-level value that a substitution in --set, --sweep or the scenario reads loads; one
   * that nothing reads is still refused.
   */
  @Test
  void aPlainTopLevelValue_loadsOnlyWhereASubstitutionReadsIt() throws Exception {
    Path f = tmp.resolve("plain.conf");
    Files.writeString(f, "splitemu { scenario = x }\nrounds = 2\n");
    assertEquals(2, Settings.load(f, List.of("local-steps=${rounds}")).localSteps());
    Settings.load(f, List.of(), List.of("local-steps=${rounds},4"));
    Path g = tmp.resolve("text.conf");
    Files.writeString(g, "splitemu { scenario = x, local-steps = ${?rounds} }\nrounds = 3\n");
    assertEquals(3, Settings.load(g, List.of()).localSteps());
    SettingsException e = refused("splitemu { scenario = x }\nrounds = 1\n");
    assertTrue(e.getMessage().endsWith("(did you mean splitemu.rounds?)"), e.getMessage());
  }

  /**
   * A top-level value read through an include loads: the block in an included file reads the
   * including file's value, or both are in the included file (before: refused, the substitution
   * being looked for only in the main file's text).
   */
  @Test
  void aTopLevelValueReadThroughAnInclude_loads() throws Exception {
    Files.writeString(
        tmp.resolve("base2.conf"), "splitemu { scenario = param, rounds = ${rounds} }\n");
    Path param = tmp.resolve("param.conf");
    Files.writeString(param, "include \"base2.conf\"\nrounds = 4\n");
    assertEquals(4, Settings.load(param, List.of()).rounds());
    Files.writeString(
        tmp.resolve("base.conf"),
        "rounds = 5\nsplitemu { scenario = param, rounds = ${rounds} }\n");
    Path only = tmp.resolve("only.conf");
    Files.writeString(only, "include \"base.conf\"\n");
    assertEquals(5, Settings.load(only, List.of()).rounds());
    // An included value that nothing reads is still refused, at its own file and line.
    Files.writeString(tmp.resolve("stray.conf"), "splitemu { scenario = x }\nrounds = 2\n");
    Path stray = tmp.resolve("inc.conf");
    Files.writeString(stray, "include \"stray.conf\"\n");
    SettingsException e =
        assertThrows(SettingsException.class, () -> Settings.load(stray, List.of()));
    assertTrue(
        e.getMessage().contains("stray.conf:2: rounds: outside the splitemu block"),
        e.getMessage());
  }

  /**
   * A scenario not valid UTF-8 (a Latin-1 byte in a comment) reads its top-level value as one in
   * UTF-8 does (before: refused, its text being unreadable for the search of substitutions).
   */
  @Test
  void aTopLevelValueReadInAFileNotInUtf8_loads() throws Exception {
    Path f = tmp.resolve("latin1.conf");
    // "é" in Latin-1 is the one byte 0xe9, not UTF-8.
    Files.writeString(
        f,
        "# caf\u00e9\nrounds = 4\nsplitemu { scenario = x, rounds = ${rounds} }\n",
        java.nio.charset.StandardCharsets.ISO_8859_1);
    assertEquals(4, Settings.load(f, List.of()).rounds());
  }

  /**
   * A top-level value read only through another top-level block, or by the pekko block, loads (as
   * before, when the scenario's text was searched); a plain one beside an optional substitution of
   * a missing key is refused.
   */
  @Test
  void aTopLevelValueReadThroughAHelperBlock_loads() throws Exception {
    Path f = tmp.resolve("chain.conf");
    Files.writeString(
        f,
        "rounds = 3\nstudy { r = ${rounds} }\n"
            + "splitemu { scenario = x, rounds = ${study.r}, seed = ${?no-such-key} }\n");
    assertEquals(3, Settings.load(f, List.of()).rounds());
    // Read by the pekko block, which the actor system reads.
    Path p = tmp.resolve("pekko.conf");
    Files.writeString(p, "mode = INFO\nsplitemu { scenario = x }\npekko { loglevel = ${mode} }\n");
    assertEquals(3, Settings.load(p, List.of("seed=3")).seed());
    SettingsException e =
        refused("fidelity = timing\nsplitemu { scenario = x, seed = ${?no-such-key} }\n");
    assertTrue(e.getMessage().contains(":1: fidelity: outside"), e.getMessage());
  }

  /**
   * Every committed scenario passes the check (fault-study and cost-study are top-level blocks; the
   * scenarios load in full in GoldenRunsTest, with the data folder).
   */
  @Test
  void everyCommittedScenario_loads() throws Exception {
    Path dir = Path.of(System.getProperty("user.dir")).getParent().resolve("scenarios");
    List<Path> files;
    try (Stream<Path> all = Files.list(dir)) {
      files = all.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
    }
    assertTrue(files.size() > 10, files.toString());
    for (Path f : files) {
      com.typesafe.config.Config parsed = com.typesafe.config.ConfigFactory.parseFile(f.toFile());
      com.typesafe.config.Config c =
          parsed.resolve(
              com.typesafe.config.ConfigResolveOptions.defaults().setAllowUnresolved(true));
      com.typesafe.config.Config unresolved = parsed.withFallback(Settings.reference());
      UnknownKeys.checkTopLevel(
          c,
          Settings.reference(),
          "splitemu",
          key -> UnknownKeys.readThrough(unresolved, Settings.reference().root().keySet(), key));
    }
  }
}

package io.splitemu.actors.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
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
      com.typesafe.config.Config c =
          com.typesafe.config.ConfigFactory.parseFile(f.toFile())
              .resolve(
                  com.typesafe.config.ConfigResolveOptions.defaults().setAllowUnresolved(true));
      UnknownKeys.checkTopLevel(c, Settings.reference(), "splitemu", Set.of());
    }
  }
}

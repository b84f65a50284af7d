package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A scenario names a csv trace's columns, unit, missing-value token and separator. */
class CsvTraceLinksTest {

  @TempDir Path tmp;

  private Settings scenario(String trace, String csv) throws Exception {
    String conf =
        "splitemu {\n  scenario = csv-links\n  scheme = psl\n  fidelity = timing\n  rounds = 2\n"
            + "  local-steps = 2\n  batch-size = 16\n  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = 2, flops = [1e9, 2e9] }\n"
            + "  links { kind = trace, trace { format = csv, uplink = [\""
            + trace
            + "\"], end = loop"
            + csv
            + " } }\n"
            + "  output.plots = false\n}\n";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), tmp.resolve("csv.conf"));
  }

  @Test
  void namedColumnsInKbps_timeTheRunAsTheDefaultColumnsInMbps() throws Exception {
    Files.writeString(tmp.resolve("default.csv"), "time,rate\n0,2\n3,0.5\n5,-\n6,4\n");
    Files.writeString(tmp.resolve("named.csv"), "bw;t\n2000;0\n500;3\nNA;5\n4000;6\n");
    var byDefault =
        FaultsOnEverySchemeTest.run(scenario("default.csv", ""), tmp.resolve("a")).rounds();
    var named =
        FaultsOnEverySchemeTest.run(
                scenario(
                    "named.csv",
                    ", csv { time = t, rate = bw, unit = kbps, missing = NA, delimiter = \";\" }"),
                tmp.resolve("b"))
            .rounds();
    assertEquals(
        FaultsOnEverySchemeTest.emulated(byDefault), FaultsOnEverySchemeTest.emulated(named));
    // The trace's rates time the run: a trace twice as fast gives other times.
    Files.writeString(tmp.resolve("fast.csv"), "time,rate\n0,4\n3,1\n5,-\n6,8\n");
    var fast = FaultsOnEverySchemeTest.run(scenario("fast.csv", ""), tmp.resolve("c")).rounds();
    assertNotEquals(
        FaultsOnEverySchemeTest.emulated(byDefault), FaultsOnEverySchemeTest.emulated(fast));
  }

  @Test
  void badCsvKeys_areRefusedNamingTheKey() throws Exception {
    Files.writeString(tmp.resolve("t.csv"), "time,rate\n0,2\n1,3\n");
    SettingsException unit =
        assertThrows(SettingsException.class, () -> scenario("t.csv", ", csv.unit = Gbps"));
    assertEquals(
        "splitemu.links.trace.csv.unit", unit.getMessage().split(":")[0], unit.getMessage());
    SettingsException pattern =
        assertThrows(
            SettingsException.class, () -> scenario("t.csv", ", csv.time-format = \"yyyy-pp\""));
    assertEquals(
        "splitemu.links.trace.csv.time-format",
        pattern.getMessage().split(":")[0],
        pattern.getMessage());
    SettingsException empty =
        assertThrows(SettingsException.class, () -> scenario("t.csv", ", csv.delimiter = \"\""));
    assertEquals(
        "splitemu.links.trace.csv.delimiter", empty.getMessage().split(":")[0], empty.getMessage());
  }
}

package io.splitemu.actors.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scenario's {@code faults} list: every kind with its parameters, and what is refused. */
class FaultSettingsTest {

  @TempDir Path tmp;

  private List<Settings.Fault> faults(String list) throws Exception {
    Path f = tmp.resolve("faults.conf");
    Files.writeString(
        f, "splitemu { devices.count = 6, rounds = 5, faults = [\n" + list + "\n] }\n");
    return Settings.load(f, List.of()).faults();
  }

  private String refused(String list) throws Exception {
    SettingsException e = assertThrows(SettingsException.class, () -> faults(list));
    assertTrue(e.getMessage().contains("faults.conf:"), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    return e.getMessage();
  }

  @Test
  void everyKind_isReadWithItsParameters() throws Exception {
    List<Settings.Fault> f =
        faults(
            "{ kind = device-crash, device = 1, round = 2, until-round = 4 },\n"
                + "{ kind = device-hang, devices = [3, 2], at = 10 s },\n"
                + "{ kind = device-slowdown, device = 0, at = 1 s, until = 5 s, factor = 2.5 },\n"
                + "{ kind = link-outage, device = 4, at = 30 s, until = 60 s, direction = up },\n"
                + "{ kind = link-degradation, device = 5, round = 1, factor = 0.25 },\n"
                + "{ kind = message-loss, device = 2, round = 2, probability = 0.1,"
                + " retransmit-timeout = 200 ms, direction = down },\n"
                + "{ kind = partition, devices = [0, 1], round = 3, until-round = 4 },\n"
                + "{ kind = server-crash, round = 2, restart-delay = 5 s },\n"
                + "{ kind = hop-crash, hop = 1, at = 2 s },\n"
                + "{ kind = supervisor-crash, round = 3 }");
    assertEquals(10, f.size());
    assertEquals(List.of(1), f.get(0).devices());
    assertEquals(Settings.FaultTime.ofRound(4), f.get(0).end());
    assertEquals(List.of(2, 3), f.get(1).devices());
    assertEquals(10_000_000_000L, f.get(1).start().atNs());
    assertNull(f.get(1).end());
    assertEquals(2.5, f.get(2).factor());
    assertEquals(5_000_000_000L, f.get(2).end().atNs());
    assertEquals("up", f.get(3).direction());
    assertEquals("both", f.get(4).direction());
    assertEquals(0.25, f.get(4).factor());
    assertEquals(0.1, f.get(5).probability());
    assertEquals(200_000_000L, f.get(5).retransmitTimeoutNs());
    assertEquals("down", f.get(5).direction());
    assertEquals(List.of(0, 1), f.get(6).devices());
    assertEquals(5_000_000_000L, f.get(7).restartDelayNs());
    assertEquals(List.of(), f.get(7).devices());
    assertEquals(1, f.get(8).hop());
    assertEquals(3, f.get(9).start().round());
  }

  @Test
  void outOfRangeTargetsAndParameters_areRefusedWithIndexAndKey() throws Exception {
    assertTrue(
        refused("{ kind = device-crash, device = 6, round = 1 }").contains("faults[0].device"));
    assertTrue(
        refused(
                "{ kind = device-hang, device = 1, round = 1 },\n"
                    + "{ kind = partition, devices = [1, 9], round = 1 }")
            .contains("faults[1].devices"));
    assertTrue(
        refused("{ kind = device-crash, device = 1, round = 0 }").contains("faults[0].round"));
    assertTrue(
        refused("{ kind = device-slowdown, device = 1, round = 1, factor = 0.5 }")
            .contains("faults[0].factor"));
    assertTrue(
        refused("{ kind = link-degradation, device = 1, round = 1, factor = 1.5 }")
            .contains("faults[0].factor"));
    assertTrue(
        refused(
                "{ kind = message-loss, device = 1, round = 1, probability = 1,"
                    + " retransmit-timeout = 1 s }")
            .contains("faults[0].probability"));
    assertTrue(
        refused("{ kind = message-loss, device = 1, round = 1, probability = 0.5 }")
            .contains("faults[0].retransmit-timeout"));
    assertTrue(
        refused("{ kind = link-outage, device = 1, round = 1, direction = sideways }")
            .contains("faults[0].direction"));
    assertTrue(
        refused("{ kind = device-crash, device = 1, round = 3, until-round = 3 }")
            .contains("faults[0].until-round"));
    assertTrue(
        refused("{ kind = device-crash, device = 1, at = 5 s, until = 4 s }")
            .contains("faults[0].until"));
    assertTrue(refused("{ kind = device-crash, device = 1 }").contains("faults[0].round"));
    assertTrue(
        refused("{ kind = device-crash, device = 1, devices = [2], round = 1 }")
            .contains("faults[0].device"));
    assertTrue(refused("{ kind = hop-crash, round = 1 }").contains("faults[0].hop"));
    // Past the emulated clock's range: refused naming the key and the value as written, not
    // overflowed (a raw ArithmeticException) or saturated.
    for (String at : List.of("1e12", "\"1e12 s\"", "\"400000 days\"")) {
      String why =
          refused("{ kind = link-degradation, device = 1, factor = 0.5, at = " + at + " }");
      assertTrue(why.contains("faults[0].at: must be at most 4000000000 s"), why);
      assertTrue(why.contains(", got "), why); // the value, as the settings hold it
      assertFalse(why.contains("\n"), why);
    }
    String until = refused("{ kind = link-outage, device = 1, at = 1 s, until = 1e300 }");
    assertTrue(until.contains("faults[0].until: must be at most 4000000000 s"), until);
    String restart = refused("{ kind = server-crash, round = 2, restart-delay = \"400000 days\" }");
    assertTrue(restart.contains("faults[0].restart-delay: must be at most"), restart);
    String timeout =
        refused(
            "{ kind = message-loss, device = 1, round = 1, probability = 0.5,"
                + " retransmit-timeout = 1e13 }");
    assertTrue(timeout.contains("faults[0].retransmit-timeout: must be at most"), timeout);
  }

  @Test
  void aParameterOfAnotherKind_orAnUnknownKind_isRefused() throws Exception {
    String m = refused("{ kind = device-crash, device = 1, round = 1, factor = 2 }");
    assertTrue(m.contains("faults[0].factor: not a parameter of device-crash"), m);
    assertTrue(
        refused("{ kind = server-crash, device = 1, round = 1 }").contains("faults[0].device"));
    assertTrue(refused("{ kind = meteor, device = 1, round = 1 }").contains("faults[0].kind"));
  }

  @Test
  void aWindowFromARoundToAnInstantOrBack_isEmptyWhereItsRoundStartsOnTheWrongSideOfTheInstant()
      throws Exception {
    List<Settings.Fault> f =
        faults(
            "{ kind = device-hang, device = 1, round = 3, until = 100 s },\n"
                + "{ kind = device-hang, device = 1, at = 100 s, until-round = 4 },\n"
                + "{ kind = device-hang, device = 1, round = 2, until-round = 3 },\n"
                + "{ kind = device-hang, device = 1, at = 5 s, until = 9 s },\n"
                + "{ kind = device-hang, device = 1, round = 2 },\n"
                + "{ kind = device-hang, device = 1, at = 5 s }");
    long t = 100_000_000_000L;
    // round = 3, until = 100 s: empty where round 3 starts at or after T.
    assertEquals(3, f.get(0).mixedRound());
    assertTrue(f.get(0).emptyAt(t));
    assertFalse(f.get(0).emptyAt(t - 1));
    // at = 100 s, until-round = 4: empty where round 4 starts at or before T.
    assertEquals(4, f.get(1).mixedRound());
    assertTrue(f.get(1).emptyAt(t));
    assertFalse(f.get(1).emptyAt(t + 1));
    for (Settings.Fault other : f.subList(2, f.size())) {
      assertEquals(0, other.mixedRound(), other.toString());
      assertFalse(other.emptyAt(0), other.toString());
      assertFalse(other.emptyAt(Long.MAX_VALUE), other.toString());
    }
  }

  @Test
  void aFaultTime_isReachedByItsOwnKindOfTimeOnly() {
    Settings.FaultTime round = Settings.FaultTime.ofRound(3);
    assertFalse(round.reachedBy(2, Long.MAX_VALUE));
    assertTrue(round.reachedBy(3, 0));
    Settings.FaultTime instant = Settings.FaultTime.at(100);
    assertFalse(instant.reachedBy(Integer.MAX_VALUE, 99));
    assertTrue(instant.reachedBy(0, 100));
  }
}

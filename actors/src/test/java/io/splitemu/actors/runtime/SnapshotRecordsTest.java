package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The checkpoint messages are immutable records (STYLE.md 1): what they were made from, and what
 * their accessors hand out, can be changed without changing them.
 */
class SnapshotRecordsTest {

  @Test
  void planInput_copiesItsRatesInAndOut() {
    double[] up = {1, 2};
    double[] down = {3, 4};
    Checkpoint.PlanInput in = new Checkpoint.PlanInput(1, up, down);
    up[0] = 99;
    in.down()[0] = 99;
    assertArrayEquals(new double[] {1, 2}, in.up());
    assertArrayEquals(new double[] {3, 4}, in.down());
  }

  @Test
  void deviceSnapshot_copiesItsLinkStatesInAndOut() {
    long[] up = {1, 2, 3};
    List<Device.SlowWindow> windows = new ArrayList<>();
    Device.Snapshot s =
        new Device.Snapshot(
            0,
            -1,
            null,
            null,
            0,
            null,
            0,
            up,
            new long[] {4, 5, 6},
            false,
            false,
            0,
            0,
            false,
            0,
            Long.MIN_VALUE,
            null,
            0,
            null,
            windows);
    up[0] = 99;
    s.downlink()[0] = 99;
    windows.add(new Device.SlowWindow(0, 0, 1, 2));
    assertArrayEquals(new long[] {1, 2, 3}, s.uplink());
    assertArrayEquals(new long[] {4, 5, 6}, s.downlink());
    assertEquals(List.of(), s.slowdowns());
  }

  @Test
  void edgeServerSnapshot_holdsAnUnmodifiableCopyInDeviceOrder() {
    Map<Integer, Long> free = new TreeMap<>(Map.of(2, 20L, 1, 10L));
    EdgeServer.Snapshot s = new EdgeServer.Snapshot(null, null, 0, null, 0, free);
    free.put(3, 30L);
    assertEquals(List.of(1, 2), List.copyOf(s.copyFreeAtNs().keySet()));
    assertThrows(UnsupportedOperationException.class, () -> s.copyFreeAtNs().put(4, 0L));
  }

  @Test
  void checkpoint_copiesItsCollectionsIn() {
    List<Integer> alive = new ArrayList<>(List.of(0, 1));
    Map<Integer, Long> starts = new TreeMap<>(Map.of(1, 0L, 2, 5L));
    Checkpoint c =
        new Checkpoint(
            Checkpoints.VERSION,
            "f",
            "psl",
            2,
            5,
            null,
            alive,
            -1,
            null,
            Map.of(),
            Map.of(),
            List.of(),
            Map.of(),
            List.of(),
            List.of(),
            starts,
            Map.of(1, Map.of("edge", 3L)),
            List.of(),
            null,
            null,
            2,
            new ArrayList<>(List.of(3, 1)));
    alive.add(2);
    starts.put(3, 9L);
    assertEquals(List.of(0, 1), c.alive());
    assertEquals(List.of(1, 2), List.copyOf(c.roundStartNs().keySet()));
    assertThrows(UnsupportedOperationException.class, () -> c.alive().add(3));
    assertThrows(UnsupportedOperationException.class, () -> c.memory().get(1).put("device", 1L));
    assertTrue(c.scheduled());
    assertEquals(List.of(1, 3), c.crashesStruck());
  }
}

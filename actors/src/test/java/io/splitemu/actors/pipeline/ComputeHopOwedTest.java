package io.splitemu.actors.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A hop's owed devices keep their earliest instant as a scan of every owed device would find it,
 * through devices owing again at another instant, several devices at one instant, removals of
 * devices that owe nothing, and clears.
 */
class ComputeHopOwedTest {

  private static final long NEVER = Long.MAX_VALUE;

  @Test
  void twoDevicesAtOneInstant_theInstantStaysUntilBothAreGone() {
    ComputeHop.Owed owed = new ComputeHop.Owed();
    assertEquals(NEVER, owed.min());
    owed.put(1, 5);
    owed.put(2, 5);
    owed.put(3, 9);
    owed.remove(1);
    assertEquals(5, owed.min());
    owed.put(2, 12); // device 2 owes again, later: 5 is nobody's now
    assertEquals(9, owed.min());
    owed.remove(7); // owes nothing
    owed.remove(3);
    assertEquals(12, owed.min());
    owed.clear();
    assertEquals(NEVER, owed.min());
  }

  @Test
  void randomPutsAndRemoves_minIsTheScansMin() {
    Random r = new Random(16);
    ComputeHop.Owed owed = new ComputeHop.Owed();
    Map<Integer, Long> scan = new HashMap<>();
    for (int step = 0; step < 20_000; step++) {
      int d = r.nextInt(30);
      int op = r.nextInt(100);
      if (op < 55) {
        long ns = r.nextInt(20); // few instants: many devices share one
        owed.put(d, ns);
        scan.put(d, ns);
      } else if (op < 99) {
        owed.remove(d);
        scan.remove(d);
      } else {
        owed.clear();
        scan.clear();
      }
      long min = NEVER;
      for (long ns : scan.values()) {
        min = Math.min(min, ns);
      }
      assertEquals(min, owed.min(), "step " + step);
    }
  }
}

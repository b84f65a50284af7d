package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The maps and sets by device id answer as the {@code TreeMap} and {@code TreeSet} they replace:
 * the same entries in the same (ascending) order after the same puts, removes and clears.
 */
class IdMapTest {

  @Test
  void idMap_answersAsATreeMap_underRandomOperations() {
    randomOperations(40, 3000, 50);
  }

  @Test
  void idMap_withFewKeysOverAWideSpan_answersAsATreeMap() {
    // A visit of one of many cpsl clusters: a few ids scattered over a million, cleared each
    // visit (the map walks its listed keys, not the span), and now and then more keys than it
    // lists (it walks the span again).
    randomOperations(1_000_000, 1_000_000, 3);
    randomOperations(5000, 1_000_000, 100_000);
  }

  private static void randomOperations(int narrow, int wide, int clearOneIn) {
    SplittableRandom rng = new SplittableRandom(7);
    IdMap<String> ids = new IdMap<>();
    TreeMap<Integer, String> tree = new TreeMap<>();
    for (int i = 0; i < 20_000; i++) {
      int k = rng.nextInt(rng.nextBoolean() ? narrow : wide);
      switch (rng.nextInt(8)) {
        case 0, 1, 2 -> {
          String v = rng.nextInt(10) == 0 ? null : "v" + i;
          assertEquals(tree.put(k, v), ids.put(k, v), "put " + k);
        }
        case 3 -> assertEquals(tree.remove(k), ids.remove(k), "remove " + k);
        case 4 -> {
          if (rng.nextInt(clearOneIn) == 0) {
            tree.clear();
            ids.clear();
          }
        }
        case 5 -> {
          // Removing through the iterator, as keySet().removeAll does.
          Iterator<Map.Entry<Integer, String>> it = ids.entrySet().iterator();
          Iterator<Map.Entry<Integer, String>> t = tree.entrySet().iterator();
          while (it.hasNext()) {
            Map.Entry<Integer, String> a = it.next();
            Map.Entry<Integer, String> b = t.next();
            assertEquals(b, a);
            if (a.getKey() % 7 == k % 7) {
              it.remove();
              t.remove();
            }
          }
        }
        default -> {
          assertEquals(tree.containsKey(k), ids.containsKey(k), "contains " + k);
          assertEquals(tree.get(k), ids.get(k), "get " + k);
        }
      }
      assertEquals(tree.size(), ids.size());
    }
    assertEquals(new ArrayList<>(tree.entrySet()), new ArrayList<>(ids.entrySet()));
    assertEquals(tree, ids);
    assertEquals(tree.toString(), ids.toString());
  }

  @Test
  void fromABase_keepsOnlyItsSpan_andAnswersAsATreeMap() {
    // A barrier of one device near a million: a slot for it, not for every id below it.
    IdMap<String> ids = new IdMap<>(999_990);
    IdSet set = new IdSet(999_990);
    TreeMap<Integer, String> tree = new TreeMap<>();
    for (int k : new int[] {999_999, 999_990, 1_000_004, 999_995}) {
      assertEquals(tree.put(k, "v" + k), ids.put(k, "v" + k));
      set.add(k);
    }
    assertEquals(tree, ids);
    assertEquals(new ArrayList<>(tree.entrySet()), new ArrayList<>(ids.entrySet()));
    assertEquals(new ArrayList<>(tree.keySet()), new ArrayList<>(set));
    assertEquals(null, ids.get(5));
    assertEquals(false, ids.containsKey(999_989));
    assertEquals(false, set.contains(999_989));
    assertEquals(tree.remove(999_990), ids.remove(999_990));
    assertEquals(true, set.remove(999_990));
    assertEquals(tree, ids);
    assertEquals(3, set.size());
    assertThrows(IllegalArgumentException.class, () -> ids.put(3, "below"));
    assertThrows(IllegalArgumentException.class, () -> set.add(3));
  }

  @Test
  void idSet_answersAsATreeSet_underRandomOperations() {
    SplittableRandom rng = new SplittableRandom(11);
    IdSet ids = new IdSet();
    TreeSet<Integer> tree = new TreeSet<>();
    for (int i = 0; i < 20_000; i++) {
      int k = rng.nextInt(2000);
      switch (rng.nextInt(6)) {
        case 0, 1 -> assertEquals(tree.add(k), ids.add(k), "add " + k);
        case 2 -> assertEquals(tree.remove(k), ids.remove(k), "remove " + k);
        case 3 -> {
          if (rng.nextInt(100) == 0) {
            tree.clear();
            ids.clear();
          }
        }
        case 4 -> {
          List<Integer> some = List.of(k, k + 1, k + 5);
          assertEquals(tree.removeAll(some), ids.removeAll(some));
        }
        default -> assertEquals(tree.contains(k), ids.contains(k), "contains " + k);
      }
      assertEquals(tree.size(), ids.size());
    }
    assertEquals(new ArrayList<>(tree), new ArrayList<>(ids));
    assertEquals(tree.toString(), ids.toString());
  }
}

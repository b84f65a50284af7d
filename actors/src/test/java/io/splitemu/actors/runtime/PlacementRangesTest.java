package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The device ranges of a cluster run's placement rows in events.csv. */
class PlacementRangesTest {

  @Test
  void runsOfConsecutiveIds_becomeRanges_andSingleIdsStayAlone() {
    assertEquals("0-3 5 7-9 12", Supervisor.ranges(List.of(0, 1, 2, 3, 5, 7, 8, 9, 12)));
    assertEquals("4", Supervisor.ranges(List.of(4)));
    assertEquals("1-2", Supervisor.ranges(List.of(1, 2)));
    assertEquals("", Supervisor.ranges(List.of()));
  }

  @Test
  void idsAbove127_areComparedByValue() {
    // Boxed Integers above the cache's range: a comparison by reference would break every run.
    assertEquals("1000-1002 2000", Supervisor.ranges(List.of(1000, 1001, 1002, 2000)));
  }
}

package io.splitemu.actors.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A hop's queue split by direction serves the jobs in the order of one queue in first come, first
 * served order, and tells each direction's earliest arrival as a walk of that one queue would.
 */
class JobQueueTest {

  private static final long NONE = Long.MAX_VALUE;

  private static ComputeHop.Job job(int device, boolean forward, long arrivalNs) {
    return new ComputeHop.Job(1, device, forward, 0, arrivalNs);
  }

  @Test
  void ties_areServedByDeviceThenForwardFirst() {
    JobQueue q = new JobQueue();
    q.add(job(2, true, 10));
    q.add(job(1, false, 10));
    q.add(job(1, true, 10));
    q.add(job(0, false, 11));
    assertFalse(q.add(job(1, true, 10)), "an equal job is the same job");
    assertEquals(4, q.size());
    assertEquals(job(1, true, 10), q.pollFirst());
    assertEquals(job(1, false, 10), q.pollFirst());
    assertEquals(job(2, true, 10), q.pollFirst());
    assertEquals(11, q.firstArrival(false, NONE));
    assertEquals(NONE, q.firstArrival(true, NONE));
    assertEquals(job(0, false, 11), q.pollFirst());
    assertTrue(q.isEmpty());
    assertNull(q.first());
    assertNull(q.pollFirst());
  }

  @Test
  void twoBatchesOfOneDeviceAtTheSameInstant_areTwoJobs_servedBatchByBatch() {
    JobQueue q = new JobQueue();
    ComputeHop.Job second = new ComputeHop.Job(1, 3, true, 1, 50);
    ComputeHop.Job first = new ComputeHop.Job(1, 3, true, 0, 50);
    assertTrue(q.add(second));
    assertTrue(q.add(first), "another batch at the same instant is another job");
    assertEquals(2, q.size());
    assertEquals(first, q.pollFirst());
    assertEquals(second, q.pollFirst());
  }

  @Test
  void oneDirectionOnly_hasNoArrivalInTheOther() {
    JobQueue q = new JobQueue();
    for (int d = 0; d < 1000; d++) {
      q.add(job(d, true, 1000 - d));
    }
    assertEquals(1, q.firstArrival(true, NONE));
    assertEquals(-1, q.firstArrival(false, -1));
    q.add(job(5, false, 2000));
    assertEquals(2000, q.firstArrival(false, NONE));
    assertEquals(job(999, true, 1), q.first());
  }

  @Test
  void randomAddsAndPolls_matchOneQueueInServiceOrder() {
    Random r = new Random(16);
    for (int run = 0; run < 50; run++) {
      JobQueue q = new JobQueue();
      TreeSet<ComputeHop.Job> one = new TreeSet<>(JobQueue.FCFS);
      List<ComputeHop.Job> served = new ArrayList<>();
      List<ComputeHop.Job> expected = new ArrayList<>();
      for (int step = 0; step < 2000; step++) {
        if (r.nextInt(3) > 0) {
          // Few devices and instants: many ties in arrival and in device.
          ComputeHop.Job j = job(r.nextInt(8), r.nextBoolean(), r.nextInt(50));
          assertEquals(one.add(j), q.add(j));
        } else {
          expected.add(one.pollFirst());
          served.add(q.pollFirst());
        }
        assertEquals(one.size(), q.size());
        assertEquals(one.isEmpty(), q.isEmpty());
        assertEquals(one.isEmpty() ? null : one.first(), q.first());
        for (boolean forward : new boolean[] {true, false}) {
          long walk = NONE;
          for (ComputeHop.Job j : one) {
            if (j.forward() == forward) {
              walk = Math.min(walk, j.arrivalNs());
            }
          }
          assertEquals(walk, q.firstArrival(forward, NONE), "direction forward=" + forward);
        }
      }
      assertEquals(expected, served);
    }
  }
}
